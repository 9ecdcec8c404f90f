"""Authorize: the id token reaches the session port; its verdict goes back as 1.6 IdTagInfo or 2.x IdTokenInfo."""

from __future__ import annotations

import pytest

from ocpay.ocpp.handlers import authorize
from ocpay.ocpp.model import Authorization, AuthStatus, IdToken
from tests.unit.ocpp.fakes import STATION, T0, FakeSessions, ask, context


async def test_a_16_id_tag_is_authorized_as_a_central_token() -> None:
    sessions = FakeSessions(authorization=Authorization("Accepted"))

    answer = await ask(authorize.handle, context("1.6", sessions=sessions), "Authorize", {"idTag": "04A2B3C4"})

    assert sessions.calls == [("authorize", (STATION, IdToken("04A2B3C4", "Central")))]
    assert answer == {"idTagInfo": {"status": "Accepted"}}


async def test_a_16_answer_carries_expiry_and_parent_tag() -> None:
    sessions = FakeSessions(authorization=Authorization("Accepted", expiry=T0, parent_id="FLEET-9"))

    answer = await ask(authorize.handle, context("1.6", sessions=sessions), "Authorize", {"idTag": "04A2B3C4"})

    assert answer == {
        "idTagInfo": {"status": "Accepted", "expiryDate": "2025-03-14T09:26:53.589Z", "parentIdTag": "FLEET-9"}
    }


@pytest.mark.parametrize(("status", "heard"), [("Unknown", "Invalid"), ("NoCredit", "Invalid"), ("Blocked", "Blocked")])
async def test_a_16_station_hears_a_status_its_version_knows(status: AuthStatus, heard: str) -> None:
    sessions = FakeSessions(authorization=Authorization(status))

    answer = await ask(authorize.handle, context("1.6", sessions=sessions), "Authorize", {"idTag": "UNKNOWN-1"})

    assert answer == {"idTagInfo": {"status": heard}}


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_a_2x_id_token_keeps_its_type_and_additional_info(version: str) -> None:
    sessions = FakeSessions(authorization=Authorization("Accepted"))
    payload = {
        "idToken": {
            "idToken": "04A2B3C4",
            "type": "ISO14443",
            "additionalInfo": [{"additionalIdToken": "CARD-77", "type": "PaymentCard"}],
        }
    }

    answer = await ask(authorize.handle, context(version, sessions=sessions), "Authorize", payload)

    token = IdToken("04A2B3C4", "ISO14443", (("PaymentCard", "CARD-77"),))
    assert sessions.calls == [("authorize", (STATION, token))]
    assert answer == {"idTokenInfo": {"status": "Accepted"}}


async def test_a_2x_unknown_token_is_answered_unknown() -> None:
    sessions = FakeSessions(authorization=Authorization("Unknown"))
    payload = {"idToken": {"idToken": "NOBODY", "type": "ISO14443"}}

    answer = await ask(authorize.handle, context("2.0.1", sessions=sessions), "Authorize", payload)

    assert sessions.calls == [("authorize", (STATION, IdToken("NOBODY", "ISO14443")))]
    assert answer == {"idTokenInfo": {"status": "Unknown"}}


async def test_a_2x_answer_carries_cache_expiry_and_group_token() -> None:
    sessions = FakeSessions(authorization=Authorization("Accepted", expiry=T0, parent_id="FLEET-9"))
    payload = {"idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}}

    answer = await ask(authorize.handle, context("2.1", sessions=sessions), "Authorize", payload)

    assert answer == {
        "idTokenInfo": {
            "status": "Accepted",
            "cacheExpiryDateTime": "2025-03-14T09:26:53.589Z",
            "groupIdToken": {"idToken": "FLEET-9", "type": "Central"},
        }
    }


@pytest.mark.parametrize(
    ("version", "payload"),
    [("1.6", {"idTag": "04A2B3C4"}), ("2.0.1", {"idToken": {"idToken": "04A2B3C4", "type": "ISO14443"}})],
)
async def test_a_session_port_that_fails_fails_the_authorize(version: str, payload: dict[str, object]) -> None:
    sessions = FakeSessions(raises={"authorize": RuntimeError("token store down")})

    with pytest.raises(RuntimeError, match="token store down"):
        await authorize.handle(context(version, sessions=sessions), payload)
