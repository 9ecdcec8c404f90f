"""Stations: registration, credentials, boots, connector status, notices and reported settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, select, update

from ocpay.ocpp.model import BootInfo, BootReply, ConnectorStatus, ReportedVariable, StationNotice, now
from ocpay.ocpp.ports import Admission
from ocpay.payments.redaction import mask
from ocpay.store.db import Database
from ocpay.store.journal import Write
from ocpay.store.models import BootRecord, Connector, Station, StationNoticeRecord, StationSetting
from ocpay.store.statements import (
    INSERT_BOOT_RECORD,
    STATION_BOOTED,
    STATION_CONNECTED,
    STATION_DISCONNECTED,
    TOUCH_STATION,
    UPSERT_CONNECTOR,
)


def hash_password(password: str) -> str:
    """scrypt from the standard library; the station password is never stored in clear."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64), n=2**14, r=8, p=1)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


class StationExists(Exception):
    pass


class UnknownStation(Exception):
    pass


class Stations:
    """Implements the OCPP station port and the station management the CLI and API use."""

    def __init__(self, db: Database, *, heartbeat_interval: int = 300, open_registration: bool = False) -> None:
        self.db = db
        self.heartbeat_interval = heartbeat_interval
        self.open_registration = open_registration
        self._seen: dict[str, datetime] = {}

    # -- management -------------------------------------------------------------------------
    async def add(self, station_id: str, *, password: str | None = None) -> Station:
        """Register a station; its catalog binding is the payments layer's (`Payments.bind`)."""
        async with self.db.write() as s:
            if await s.get(Station, station_id) is not None:
                raise StationExists(station_id)
            station = Station(
                id=station_id,
                password_hash=hash_password(password) if password else None,
                registered_at=now(),
                connected=False,
            )
            s.add(station)
        return station

    async def set_password(self, station_id: str, password: str | None) -> None:
        async with self.db.write() as s:
            station = await s.get(Station, station_id)
            if station is None:
                raise UnknownStation(station_id)
            station.password_hash = hash_password(password) if password else None

    async def remove(self, station_id: str) -> bool:
        async with self.db.write() as s:
            result = await s.execute(delete(Station).where(Station.id == station_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, station_id: str) -> Station | None:
        async with self.db.read() as s:
            return await s.get(Station, station_id)

    async def all(self, *, offset: int = 0, limit: int = 100) -> list[Station]:
        async with self.db.read() as s:
            rows = await s.scalars(select(Station).order_by(Station.id).offset(offset).limit(limit))
            return list(rows)

    async def connectors(self, station_id: str) -> list[Connector]:
        async with self.db.read() as s:
            rows = await s.scalars(
                select(Connector)
                .where(Connector.station_id == station_id)
                .order_by(Connector.evse_id, Connector.connector_id)
            )
            return list(rows)

    async def settings(self, station_id: str) -> list[StationSetting]:
        async with self.db.read() as s:
            rows = await s.scalars(
                select(StationSetting).where(StationSetting.station_id == station_id).order_by(StationSetting.key)
            )
            return list(rows)

    async def boots(self, station_id: str, limit: int = 50) -> list[BootRecord]:
        async with self.db.read() as s:
            rows = await s.scalars(
                select(BootRecord)
                .where(BootRecord.station_id == station_id)
                .order_by(BootRecord.id.desc())
                .limit(limit)
            )
            return list(rows)

    async def notices(self, station_id: str, limit: int = 50) -> list[StationNoticeRecord]:
        async with self.db.read() as s:
            rows = await s.scalars(
                select(StationNoticeRecord)
                .where(StationNoticeRecord.station_id == station_id)
                .order_by(StationNoticeRecord.id.desc())
                .limit(limit)
            )
            return list(rows)

    # -- connection life cycle (called by the gateway) -----------------------------------------
    async def admit(self, station_id: str, password: str | None, certified: bool | None) -> Admission:
        """Security profiles 1-3.

        `certified` is None without client certificates (profiles 1 and 2: Basic auth when the station
        has a password); with them (profile 3) it alone decides: the certificate is this station's or not.
        """
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
        if not check_password(password, station.password_hash):
            return Admission(401, "wrong credentials")
        return Admission(101)

    async def connected(self, station_id: str, version: str) -> None:
        params = {"station_id": station_id, "version": version, "at": now()}
        await self.db.journal.write(Write(STATION_CONNECTED, params))

    async def disconnected(self, station_id: str) -> None:
        await self.db.journal.write(Write(STATION_DISCONNECTED, {"station_id": station_id}))

    async def mark_all_disconnected(self) -> None:
        """At start-up nobody is connected to this process yet."""
        async with self.db.write() as s:
            await s.execute(update(Station).values(connected=False))

    def seen(self, station_id: str) -> None:
        """Remember traffic; written in batches by `flush_seen` (last_seen is informational)."""
        self._seen[station_id] = now()

    async def flush_seen(self) -> None:
        if not self._seen:
            return
        seen, self._seen = self._seen, {}
        await self.db.journal.write(
            *(Write(TOUCH_STATION, {"station_id": station_id, "at": moment}) for station_id, moment in seen.items())
        )

    # -- StationPort ---------------------------------------------------------------------------
    async def boot(self, station_id: str, version: str, info: BootInfo) -> BootReply:
        moment = now()
        values = {"station_id": station_id, "version": version, "at": moment, "vendor": info.vendor,
                  "model": info.model, "serial": info.serial, "firmware": info.firmware}  # fmt: skip
        await self.db.journal.write(
            Write(STATION_BOOTED, values), Write(INSERT_BOOT_RECORD, {**values, "reason": info.reason})
        )
        return BootReply("Accepted", self.heartbeat_interval, moment)

    async def heartbeat(self, station_id: str) -> None:
        self.seen(station_id)

    async def status(self, station_id: str, status: ConnectorStatus) -> None:
        await self.db.journal.write(
            Write(
                UPSERT_CONNECTOR,
                {
                    "station_id": station_id,
                    "evse_id": status.evse_id,
                    "connector_id": status.connector_id,
                    "status": status.status,
                    "error_code": status.error_code,
                    "info": status.info,
                    "updated_at": status.timestamp or now(),
                },
            )
        )

    async def notice(self, station_id: str, notice: StationNotice) -> None:
        async with self.db.write() as s:
            s.add(
                StationNoticeRecord(
                    station_id=station_id,
                    kind=notice.kind,
                    status=notice.status,
                    at=notice.timestamp or now(),
                    detail=mask(notice.detail),
                )
            )

    async def report(self, station_id: str, variables: list[ReportedVariable]) -> None:
        await self.store_settings(station_id, variables)

    async def store_settings(self, station_id: str, variables: list[ReportedVariable]) -> None:
        moment = now()
        async with self.db.write() as s:
            for variable in variables:
                setting = await s.get(StationSetting, (station_id, variable.key))
                if setting is None:
                    setting = StationSetting(station_id=station_id, key=variable.key)
                    s.add(setting)
                setting.value, setting.readonly, setting.updated_at = (
                    variable.value,
                    variable.readonly,
                    moment,
                )
