"""Settings: command-line options win, then OCPAY_* environment variables, then these defaults."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCPAY_")

    host: str = "0.0.0.0"
    ocpp_port: int = 9000
    http_port: int = 8080
    db: str = "sqlite:///ocpay.sqlite"
    api_token: str | None = None
    open_registration: bool = False
    authorize_unknown: bool = False
    heartbeat_interval: int = 300
    call_timeout: float = 30
    max_frame_bytes: int = 256 * 1024
    ping_interval: float = 60
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_client_ca: str | None = None  # security profile 3: require client certificates signed by this CA
    log_level: str = "INFO"
    dialect_dirs: list[str] = []  # extra dialect files (*.yaml) beside the built-in ones
    catalog_dirs: list[str] = []  # extra catalog entries (*.yaml)
    receipt_url_template: str | None = None  # e.g. https://pay.example.com/r/{station_id}/{transaction_id}
    payment_hash_key: str | None = None  # key of payment-reference hashes (default: generated, kept in the db)
