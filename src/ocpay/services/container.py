"""All services of one process, opened on one database."""

from __future__ import annotations

from ocpay.config import Settings
from ocpay.ocpp.schemas import SchemaSet
from ocpay.services.commands import Commands
from ocpay.services.custom_messages import CustomMessages
from ocpay.services.sessions import Sessions
from ocpay.services.stations import Stations
from ocpay.store.db import Database

_SCHEMAS = SchemaSet()  # compiled validators are shared by every server in the process


class Services:
    """Everything the CLI and the API may call."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.stations = Stations(
            db, heartbeat_interval=settings.heartbeat_interval, open_registration=settings.open_registration
        )
        self.sessions = Sessions(db, authorize_unknown=settings.authorize_unknown)
        self.custom = CustomMessages(db)
        self.schemas = _SCHEMAS
        self.commands: Commands | None = None  # present while the gateway runs

    @classmethod
    async def open(cls, settings: Settings) -> Services:
        db = Database(settings.db)
        await db.upgrade()
        return cls(settings, db)

    async def close(self) -> None:
        await self.db.close()
