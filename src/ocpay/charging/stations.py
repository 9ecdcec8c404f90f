"""Stations: registration, credentials, boots, connector status, notices and reported settings."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime

from ocpay.charging import identity
from ocpay.charging.configuration import RECORDED, WRITE_ONLY_LIKE, Change, conceal, concealed
from ocpay.ocpp.model import BootInfo, BootReply, ConnectorStatus, ReportedVariable, StationNotice, now
from ocpay.ocpp.ports import Admission
from ocpay.payments.redaction import mask, mask_string
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import BootRecord, Connector, Station, StationNoticeRecord, StationSetting
from ocpay.store.queries import charging as queries
from ocpay.store.statements import (
    INSERT_BOOT_RECORD,
    STATION_BOOTED,
    STATION_CONNECTED,
    STATION_DISCONNECTED,
    TOUCH_STATION,
    UPSERT_CONNECTOR,
)


# A station password is a secret chosen by people, so it is stretched with a slow, salted KDF (scrypt)
# and checked by recomputing it. An API token (access/api_tokens.py) is 32 random bytes, found by a
# plain SHA-256 of the secret: two different things, hashed two different ways on purpose.
def hash_password(password: str) -> str:
    """The station password as `scrypt$salt$digest` (random salt, base64); never the password in clear."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `hash_password` stored; False for anything not in its format."""
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = _scrypt(password, base64.b64decode(salt_b64))
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


class Scrypt:
    """scrypt off the event loop: it takes tens of milliseconds and 16 MB by design, so it runs in a worker
    thread (every station would wait otherwise), never more at once than there are cores (a brute force
    would queue up threads and memory)."""

    def __init__(self) -> None:
        self._slots = asyncio.Semaphore(os.cpu_count() or 1)

    async def check(self, password: str, stored: str) -> bool:
        """`check_password` in a worker thread."""
        async with self._slots:
            return await asyncio.to_thread(check_password, password, stored)

    async def hash(self, password: str) -> str:
        """`hash_password` in a worker thread."""
        async with self._slots:
            return await asyncio.to_thread(hash_password, password)


def _text(value: str | None) -> str | None:
    """A station's free text as it may be kept: payment identifiers masked."""
    return None if value is None else mask_string(value)


class InvalidIdentity(ValueError):
    """The station id is not one OCPP allows (see `charging/identity.py`)."""


class StationExists(Exception):
    """A station with this id is registered already."""


class UnknownStation(Exception):
    """No station has this id."""


class Stations:
    """Implements the OCPP station port and the station management the CLI and API use."""

    def __init__(self, db: Database, *, heartbeat_interval: int = 300, open_registration: bool = False) -> None:
        self.db = db
        self.heartbeat_interval = heartbeat_interval
        self.open_registration = open_registration
        self._seen: dict[str, datetime] = {}
        self._scrypt = Scrypt()
        self._pending: dict[str, dict[str, str | None]] = {}  # station -> key -> value waiting for a reboot
        self._boot_hooks: list[Callable[[str], None]] = []

    # -- management -------------------------------------------------------------------------
    async def add(self, station_id: str, *, password: str | None = None) -> Station:
        """Register a station (StationExists if the id is taken, InvalidIdentity if OCPP does not allow it)."""
        reason = identity.problem(station_id)
        if reason is not None:
            raise InvalidIdentity(reason)
        password_hash = await self._scrypt.hash(password) if password else None
        async with self.db.write() as s:
            if await queries.station(s, station_id) is not None:
                raise StationExists(station_id)
            station = Station(
                id=station_id,
                password_hash=password_hash,
                registered_at=now(),
                connected=False,
            )
            s.add(station)
        return station

    async def set_password(self, station_id: str, password: str | None) -> None:
        """Set the station's password, or remove it with None; UnknownStation if there is no such station."""
        password_hash = await self._scrypt.hash(password) if password else None
        async with self.db.write() as s:
            station = await queries.station(s, station_id)
            if station is None:
                raise UnknownStation(station_id)
            station.password_hash = password_hash

    async def remove(self, station_id: str) -> bool:
        """Remove the station and everything recorded about it; False if there was none."""
        async with self.db.write() as s:
            return await queries.delete_station(s, station_id)

    async def get(self, station_id: str) -> Station | None:
        """The station, or None."""
        async with self.db.read() as s:
            return await queries.station(s, station_id)

    async def all(self, *, offset: int = 0, limit: int = 100) -> list[Station]:
        """One page of the stations, by id."""
        async with self.db.read() as s:
            return await queries.stations(s, offset=offset, limit=limit)

    async def connectors(self, station_id: str) -> list[Connector]:
        """The station's connectors with their last status, in EVSE and connector order."""
        async with self.db.read() as s:
            return await queries.connectors(s, station_id)

    async def settings(self, station_id: str) -> list[StationSetting]:
        """The settings the station reported, by key."""
        async with self.db.read() as s:
            return await queries.settings(s, station_id)

    async def boots(self, station_id: str, limit: int = 50) -> list[BootRecord]:
        """The station's last `limit` boots, newest first."""
        async with self.db.read() as s:
            return await queries.boots(s, station_id, limit)

    async def notices(self, station_id: str, limit: int = 50) -> list[StationNoticeRecord]:
        """The station's last `limit` notices (security events, firmware, dialect problems), newest first."""
        async with self.db.read() as s:
            return await queries.notices(s, station_id, limit)

    # -- connection life cycle (called by the gateway) -----------------------------------------
    async def admit(self, station_id: str, password: str | None, certified: bool | None) -> Admission:
        """Admit a connecting station: 101 with its password or certificate, 400/401/404 otherwise (profiles 1-3).

        An identity OCPP does not allow is refused (400) before anything is looked up. `certified` is None
        without client certificates (profiles 1 and 2: Basic auth when the station has a password); with
        them (profile 3) it alone decides: the certificate is this station's or not.
        """
        reason = identity.problem(station_id)
        if reason is not None:
            return Admission(400, reason)
        if certified is False:
            return Admission(401, "the client certificate is not this station's")
        station = await self.get(station_id)
        if station is None:
            if not self.open_registration:
                return Admission(404, "unknown station")
            try:
                await self.add(station_id)
            except StationExists:
                pass
            return Admission(101)
        if certified or station.password_hash is None:
            return Admission(101)
        if password is None:
            return Admission(401, "credentials required")
        if not await self._scrypt.check(password, station.password_hash):
            return Admission(401, "wrong credentials")
        return Admission(101)

    async def connected(self, station_id: str, version: str) -> None:
        """Record that the station is connected and speaks `version`."""
        params = {"station_id": station_id, "version": version, "at": now()}
        await self.db.journal.write(Write(STATION_CONNECTED, params))

    async def disconnected(self, station_id: str) -> None:
        """Record that the station's connection closed."""
        await self.db.journal.write(Write(STATION_DISCONNECTED, {"station_id": station_id}))

    async def mark_all_disconnected(self) -> None:
        """Mark every station disconnected: at start-up nobody is connected to this process yet."""
        async with self.db.write() as s:
            await queries.mark_all_disconnected(s)

    def seen(self, station_id: str) -> None:
        """Remember traffic; written in batches by `flush_seen` (last_seen is informational)."""
        self._seen[station_id] = now()

    async def flush_seen(self) -> None:
        """Write the last-seen times remembered since the previous flush."""
        if not self._seen:
            return
        seen, self._seen = self._seen, {}
        await self.db.journal.write(
            *(Write(TOUCH_STATION, {"station_id": station_id, "at": moment}) for station_id, moment in seen.items())
        )

    # -- StationPort ---------------------------------------------------------------------------
    async def boot(self, station_id: str, version: str, info: BootInfo) -> BootReply:
        """Record the boot (station details, their text masked, and boot history); accept it with the heartbeat."""
        moment = now()
        values = {"station_id": station_id, "version": version, "at": moment, "vendor": _text(info.vendor),
                  "model": _text(info.model), "serial": _text(info.serial),
                  "firmware": _text(info.firmware)}  # fmt: skip
        await self.db.journal.write(
            Write(STATION_BOOTED, values), Write(INSERT_BOOT_RECORD, {**values, "reason": info.reason})
        )
        for hook in self._boot_hooks:
            hook(station_id)
        return BootReply("Accepted", self.heartbeat_interval, moment)

    def on_boot(self, hook: Callable[[str], None]) -> None:
        """Call `hook(station_id)` at each accepted boot, before the answer (it queues work, it must not wait)."""
        self._boot_hooks.append(hook)

    async def heartbeat(self, station_id: str) -> None:
        """Remember the station as seen now."""
        self.seen(station_id)

    async def status(self, station_id: str, status: ConnectorStatus) -> None:
        """Keep the connector's latest status (its free-text info masked)."""
        await self.db.journal.write(
            Write(
                UPSERT_CONNECTOR,
                {
                    "station_id": station_id,
                    "evse_id": status.evse_id,
                    "connector_id": status.connector_id,
                    "status": status.status,
                    "error_code": status.error_code,
                    "info": _text(status.info),
                    "updated_at": status.timestamp or now(),
                },
            )
        )

    async def notice(self, station_id: str, notice: StationNotice) -> None:
        """Keep a station notice, its status text and detail masked."""
        async with self.db.write() as s:
            s.add(
                StationNoticeRecord(
                    station_id=station_id,
                    kind=notice.kind,
                    status=_text(notice.status),
                    at=notice.timestamp or now(),
                    detail=mask(notice.detail),
                )
            )

    async def report(self, station_id: str, variables: list[ReportedVariable]) -> None:
        """Keep the settings a station reported (NotifyReport)."""
        await self.store_settings(station_id, variables)

    async def store_settings(self, station_id: str, variables: Iterable[ReportedVariable]) -> None:
        """Insert or update each reported setting of the station, stamped now; a write-only secret only as "set".

        A value the station reports is in effect: a change that was waiting for a reboot is no longer pending.
        """
        moment = now()
        variables = [conceal(x) for x in variables]
        async with self.db.write() as s:
            for variable in variables:
                setting = await queries.setting(s, station_id, variable.key)
                if setting is None:
                    setting = StationSetting(station_id=station_id, key=variable.key)
                    s.add(setting)
                setting.value, setting.readonly, setting.updated_at = (
                    variable.value,
                    variable.readonly,
                    moment,
                )
        self.forget_pending(station_id, [x.key for x in variables])

    async def conceal_stored_secrets(self) -> int:
        """Replace every write-only secret still stored in clear (kept before they were concealed) by "set"."""
        async with self.db.write() as s:
            found = await queries.settings_named_like(s, WRITE_ONLY_LIKE)
            clear = [x for x in found if concealed(x.key, x.value) != x.value]
            for setting in clear:
                setting.value = concealed(setting.key, setting.value)
        return len(clear)

    async def settings_changed(self, station_id: str, changes: Iterable[Change]) -> None:
        """Record what the station said to the settings we sent (see `configuration.RECORDED`).

        Accepted: the value is stored as the station's. RebootRequired: it is pending until the station's
        next boot, when it is read again (`pending`). Any other status leaves the setting as it was.
        """
        accepted = []
        for change in changes:
            match RECORDED.get(change.status):
                case "value":
                    accepted.append(ReportedVariable(change.key, change.value))
                case "pending":
                    self._pending.setdefault(station_id, {})[change.key] = concealed(change.key, change.value)
        if accepted:
            await self.store_settings(station_id, accepted)

    def pending(self, station_id: str) -> dict[str, str | None]:
        """The settings the station accepted to take on at its next reboot: key -> value (secrets as "set")."""
        return dict(self._pending.get(station_id, {}))

    def forget_pending(self, station_id: str, keys: Iterable[str]) -> None:
        """The station answered for these keys since: they are pending no more."""
        pending = self._pending.get(station_id)
        if pending is None:
            return
        for key in keys:
            pending.pop(key, None)
        if not pending:
            del self._pending[station_id]
