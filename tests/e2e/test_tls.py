"""Security profiles 2 and 3: TLS with Basic auth, and TLS with client certificates."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from tests.helpers import running

PASSWORD = "a-station-secret-0001"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A CA, a server certificate for 127.0.0.1, and client certificates for two stations."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "2", "-subj", "/CN=ocpay test CA", cwd=d)  # fmt: skip
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, ext in (("server", ["-extfile", "server.ext"]), ("CP-TLS", []), ("CP-OTHER", [])):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={'127.0.0.1' if name == 'server' else name}", cwd=d)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", *ext, cwd=d)  # fmt: skip
    yield d


def client_context(pki: Path, certificate: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if certificate:
        context.load_cert_chain(pki / f"{certificate}.pem", pki / f"{certificate}.key")
    return context


async def test_profile_2_tls_with_basic_auth(db_url: str, pki: Path) -> None:
    async with running(db_url, tls_cert=str(pki / "server.pem"), tls_key=str(pki / "server.key")) as srv:
        await srv.services.stations.add("CP-TLS", password=PASSWORD)
        url = srv.ocpp_url.replace("ws://", "wss://")
        good = url.replace("wss://", f"wss://CP-TLS:{PASSWORD}@") + "CP-TLS"
        async with connect(good, subprotocols=["ocpp1.6"], ssl=client_context(pki)) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "ocpp1.6"
        wrong = url.replace("wss://", "wss://CP-TLS:not-the-password-000@") + "CP-TLS"
        with pytest.raises(InvalidStatus) as refused:
            await connect(wrong, subprotocols=["ocpp1.6"], ssl=client_context(pki))  # type: ignore[list-item]
        assert refused.value.response.status_code == 401


async def test_profile_3_client_certificate_of_the_station(db_url: str, pki: Path) -> None:
    settings = {"tls_cert": str(pki / "server.pem"), "tls_key": str(pki / "server.key"),
                "tls_client_ca": str(pki / "ca.pem")}  # fmt: skip
    async with running(db_url, **settings) as srv:
        await srv.services.stations.add("CP-TLS", password=PASSWORD)
        url = srv.ocpp_url.replace("ws://", "wss://") + "CP-TLS"
        # its own certificate admits the station without a password
        async with connect(url, subprotocols=["ocpp1.6"], ssl=client_context(pki, "CP-TLS")) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "ocpp1.6"
        # another station's certificate does not, whether the station has a password or not
        await srv.services.stations.add("CP-NOPASS")
        for victim in ("CP-TLS", "CP-NOPASS"):
            with pytest.raises(InvalidStatus) as refused:
                await connect(
                    srv.ocpp_url.replace("ws://", "wss://") + victim,
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    ssl=client_context(pki, "CP-OTHER"),
                )
            assert refused.value.response.status_code == 401
        # no certificate: the TLS handshake itself is refused
        with pytest.raises((ssl.SSLError, ConnectionError, OSError, InvalidMessage)):  # TLS 1.3 says so late
            async with connect(url, subprotocols=["ocpp1.6"], ssl=client_context(pki)) as ws:  # type: ignore[list-item]
                await ws.recv()
