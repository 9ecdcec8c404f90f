"""Station configuration: which settings are write-only secrets, and what each answer says a setting now is."""

from __future__ import annotations

import re

import pytest

from ocpay.charging import configuration
from ocpay.charging.configuration import SET, Change, is_write_only
from ocpay.ocpp import commands
from ocpay.ocpp.model import ReportedVariable


@pytest.mark.parametrize(
    "key",
    [
        "AuthorizationKey",  # 1.6 (MicroOcpp answers it, hex-encoded)
        "SecurityCtrlr.BasicAuthPassword",
        "BasicAuthPassword",
        "securityctrlr.basicauthpassword",
        "APN[1].APNPassword",
        "WiFi.Passphrase",
        "ISO15118Ctrlr.PrivateKey",
        "Cst_TLS_Private_Key",
        "VendorPortal.ClientSecret",
        "NetworkConfiguration[evse 1].PreSharedKey",
    ],
)
def test_a_secret_setting_is_write_only(key: str) -> None:
    assert is_write_only(key)
    like = [re.compile("^" + p.replace("%", ".*") + "$") for p in configuration.WRITE_ONLY_LIKE]
    assert any(x.match(key.lower()) for x in like), "the scrub of stored settings would miss it"


@pytest.mark.parametrize(
    "key",
    [
        "AuthorizeRemoteTxRequests",
        "LocalAuthorizeOffline",
        "AuthorizationCacheEnabled",
        "SecurityCtrlr.Identity",
        "SecurityCtrlr.SecurityProfile",
        "SecurityCtrlr.MaxCertificateChainSize",
        "TPE_OCPP_TAGID",
        "PaymentCtrlr.AuthorizationAmount",
        "HeartbeatInterval",
        "PasswordLength[x].Enabled",  # the instance is not the name
        "",
    ],
)
def test_an_ordinary_setting_is_not(key: str) -> None:
    assert not is_write_only(key)


@pytest.mark.parametrize(
    ("key", "value", "kept"),
    [
        ("AuthorizationKey", "3132333435363738393031323334353637383930", SET),
        ("AuthorizationKey", "", ""),  # the station has none: nothing to hide
        ("AuthorizationKey", None, None),
        ("HeartbeatInterval", "60", "60"),
    ],
)
def test_a_secret_is_kept_only_as_set(key: str, value: str | None, kept: str | None) -> None:
    assert configuration.concealed(key, value) == kept
    assert configuration.conceal(ReportedVariable(key, value, True)) == ReportedVariable(key, kept, True)


def test_a_get_configuration_answer_hides_the_basic_auth_password() -> None:
    answer = {
        "configurationKey": [
            {"key": "AuthorizationKey", "value": "3132333435363738", "readonly": False},
            {"key": "HeartbeatInterval", "value": "60", "readonly": False},
        ],
        "unknownKey": ["Nope"],
    }
    hidden = configuration.conceal_answer("1.6", answer)
    assert [x["value"] for x in hidden["configurationKey"]] == [SET, "60"]
    assert hidden["unknownKey"] == ["Nope"]
    assert answer["configurationKey"][0]["value"] == "3132333435363738"  # a copy: the original is left alone
    assert [(x.key, x.value) for x in configuration.reported("1.6", answer)] == [
        ("AuthorizationKey", SET),
        ("HeartbeatInterval", "60"),
    ]


def test_a_get_variables_answer_hides_the_basic_auth_password_and_skips_what_was_not_accepted() -> None:
    answer = {
        "getVariableResult": [
            {
                "attributeStatus": "Accepted",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "attributeValue": "s3cret-password-1234",
            },
            {"attributeStatus": "UnknownVariable", "component": {"name": "Foo"}, "variable": {"name": "Bar"}},
        ]
    }
    assert configuration.conceal_answer("2.0.1", answer)["getVariableResult"][0]["attributeValue"] == SET
    assert configuration.reported("2.0.1", answer) == [ReportedVariable("SecurityCtrlr.BasicAuthPassword", SET)]
    assert configuration.conceal_answer("2.0.1", {"status": "Accepted"}) == {"status": "Accepted"}


def test_each_variable_of_a_set_variables_answer_has_its_own_status() -> None:
    sent = {
        "setVariableData": [
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}, "attributeValue": "90"},
            {"component": {"name": "EVSE", "evse": {"id": 2}}, "variable": {"name": "Power"}, "attributeValue": "11"},
        ]
    }
    results = [("Accepted", sent["setVariableData"][0]), ("RebootRequired", sent["setVariableData"][1])]
    answer = {
        "setVariableResult": [
            {"attributeStatus": status, "component": data["component"], "variable": data["variable"]}
            for status, data in results
        ]
    }
    assert configuration.changes("2.0.1", sent, answer) == [
        Change("OCPPCommCtrlr.HeartbeatInterval", "90", "Accepted"),
        Change("EVSE[evse 2].Power", "11", "RebootRequired"),
    ]
    assert configuration.changes("1.6", {"key": "HeartbeatInterval", "value": "90"}, {"status": "Rejected"}) == [
        Change("HeartbeatInterval", "90", "Rejected")
    ]


@pytest.mark.parametrize(("status", "recorded"), [("Accepted", "value"), ("RebootRequired", "pending"),
                                                   ("Rejected", None), ("NotSupported", None),
                                                   ("UnknownVariable", None)])  # fmt: skip
def test_what_a_change_status_records(status: str, recorded: str | None) -> None:
    assert configuration.RECORDED.get(status) == recorded


def test_each_full_report_has_its_own_request_id() -> None:
    first, second = (commands.get_configuration("2.0.1", [], request_id) for request_id in (41, 42))
    assert (first.action, first.payload) == ("GetBaseReport", {"requestId": 41, "reportBase": "FullInventory"})
    assert second.payload["requestId"] == 42
