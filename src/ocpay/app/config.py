"""Settings: command-line options win, then OCPAY_* environment variables, then these defaults."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCPAY_")

    host: str = "0.0.0.0"  # the OCPP WebSocket server's address (stations are on the network)
    ocpp_port: int = 9000
    http_host: str | None = None  # the HTTP API's address; default: `host`, but 127.0.0.1 without an API token
    http_port: int = 8080
    allowed_hosts: list[str] = []  # Host names the HTTP API answers besides localhost and http_host ("*": any)
    db: str = "sqlite:///ocpay.sqlite"
    api_token: str | None = None
    open_registration: bool = False
    authorize_unknown: bool = False
    heartbeat_interval: int = 300
    call_timeout: float = 30
    max_frame_bytes: int = 256 * 1024
    ping_interval: float = 60
    # Station connections (generous: 50 stations sending as fast as they can never meet these limits).
    ocpp_frame_rate: float = 200  # frames a second per connection, beyond a burst; faster ones wait (0: no limit)
    ocpp_frame_burst: int = 1000
    ocpp_send_timeout: float = 30  # a station that does not read our frames for this long is dropped
    ocpp_write_limit: int = 64 * 1024  # bytes buffered for a station before a send waits for it to read
    ocpp_max_queue: int = 16  # frames received and not yet handled before we stop reading the socket
    login_failures_per_station: int = 20  # failed logins in the window before the station id waits (429)
    login_failures_per_source: int = 60  # ... before the address they come from waits (429); 0: no limit
    login_failure_window: float = 60  # seconds
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_client_ca: str | None = None  # security profile 3: require client certificates signed by this CA
    log_level: str = "INFO"
    dialect_dirs: list[str] = []  # extra dialect files (*.yaml) beside the built-in ones
    catalog_dirs: list[str] = []  # extra catalog entries (*.yaml)
    receipt_url_template: str | None = None  # e.g. https://pay.example.com/r/{station_id}/{transaction_id}
    payment_hash_key: str | None = None  # key of payment-reference hashes (default: generated, kept in the db)
    # Integration requests: documents accepted with a request, and how the requester is told each outcome.
    request_max_document_bytes: int = 10 * 1024 * 1024  # per attached document
    request_max_total_bytes: int = 25 * 1024 * 1024  # all documents of one request
    request_max_documents: int = 10
    request_readers: int = 2  # worker processes that read and assess documents, off the event loop
    request_read_seconds: float = 60  # wall-clock time to read one document (and to assess them together)
    request_reader_memory_mb: int = 3072  # address space of a reader process (0: no limit)
    request_webhook_url: str | None = None  # POST (JSON) on each outcome
    request_webhook_timeout: float = 5
    request_smtp_host: str | None = None  # e-mail to the requester's address when set
    request_smtp_port: int = 25
    request_smtp_from: str = "ocpay@localhost"
    request_smtp_user: str | None = None
    request_smtp_password: str | None = None
    request_smtp_starttls: bool = False
    request_smtp_timeout: float = 10
