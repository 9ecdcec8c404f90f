"""All services of one process, opened on one database."""

from __future__ import annotations

from pathlib import Path

from ocpay.app.config import Settings
from ocpay.charging.command_log import CommandLog
from ocpay.charging.commands import Commands
from ocpay.charging.sessions import Sessions
from ocpay.charging.stations import Stations
from ocpay.integration_requests import Requests
from ocpay.integrations.catalog import Catalog
from ocpay.integrations.dialects import DialectSet
from ocpay.ocpp.followups import FollowUps
from ocpay.ocpp.schemas import SCHEMAS
from ocpay.payments.custom_messages import CustomMessages
from ocpay.payments.engine import Payments
from ocpay.payments.health import IntegrationHealth
from ocpay.payments.outbox import StationOutbox
from ocpay.payments.redaction import mask_logs
from ocpay.store.db import Database


class Services:
    """Everything the CLI and the API may call."""

    def __init__(self, settings: Settings, db: Database, dialects: DialectSet, catalog: Catalog) -> None:
        mask_logs()  # what stations and documents send reaches this process's log lines masked
        self.settings = settings
        self.db = db
        self.dialects = dialects
        self.catalog = catalog
        self.followups = FollowUps()
        self.stations = Stations(
            db, heartbeat_interval=settings.heartbeat_interval, open_registration=settings.open_registration
        )
        self.custom = CustomMessages(db)
        self.schemas = SCHEMAS
        self.commands: Commands | None = None  # present while the gateway runs
        self.outbox = StationOutbox()  # the dialects' way to stations, connected with the gateway
        self.payments = Payments(
            db,
            dialects,
            catalog,
            self.stations,
            self.custom,
            self.followups,
            self.outbox,
            receipt_url_template=settings.receipt_url_template,
            hash_key=settings.payment_hash_key,
        )
        self.sessions = Sessions(db, authorize_unknown=settings.authorize_unknown, card_policy=self.payments)
        self.health = IntegrationHealth(db, self.stations, self.payments)
        self.command_log = CommandLog(db, self.stations)
        self.requests = Requests(db, dialects, catalog, settings)

    @classmethod
    async def open(cls, settings: Settings) -> Services:
        """Load dialects and catalog first: a bad file stops start-up before anything is touched."""
        dialects = DialectSet.load(Path(d) for d in settings.dialect_dirs)
        catalog = Catalog.load(dialects, (Path(d) for d in settings.catalog_dirs))
        db = Database(settings.db)
        try:
            await db.upgrade()
            services = cls(settings, db, dialects, catalog)
            await services.payments.start()
        except BaseException:
            await db.close()
            raise
        return services

    def attach(self, commands: Commands) -> None:
        """The gateway is up: commands can reach stations, the dialects can send their messages."""
        self.commands = commands
        self.outbox.connect(commands)

    async def close(self) -> None:
        """Stop the document readers, close the database."""
        await self.requests.close()
        await self.db.close()
