"""Runtime settings, read from the environment (prefix ``GOALGATE_``) only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DATABASE_FILE", "Settings", "default_data_dir", "sqlite_url"]

# The embedded database's file name in the data directory.
DATABASE_FILE = "goalgate.db"


def default_data_dir() -> Path:
    """GOALGATE_DATA_DIR's default: the platform's data directory for the user
    (``~/.local/share/goalgate`` on Linux, ``$XDG_DATA_HOME/goalgate`` if set).

    Never the working directory: started from another folder, goalgate would
    serve another (empty) database. ``make run`` sets ``var/`` of the checkout.
    """
    from platformdirs import user_data_path

    return user_data_path("goalgate", appauthor=False)


def sqlite_url(data_dir: Path) -> str:
    """The embedded SQLite database of a data directory."""
    return f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}"


class Settings(BaseSettings):
    """Everything an operator may tune; the defaults serve a single machine."""

    # Inputs stay out of error messages: they may hold a password or a token.
    model_config = SettingsConfigDict(
        env_prefix="GOALGATE_", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    # Where goalgate keeps its files: the embedded SQLite database (unless
    # database_url names another) and the demo token. Made absolute.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Unset: the SQLite file in data_dir (sqlite_url).
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Origins allowed to call the authenticated API from a browser (comma separated).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Largest request body accepted anywhere, in bytes.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Largest batch accepted by the ingestion route.
    max_batch_events: int = Field(default=1000, ge=1, le=100_000)
    graphql_introspection: bool = True
    graphql_max_depth: int = Field(default=10, ge=2)
    graphql_max_aliases: int = Field(default=15, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=50)
    # The most objects (goals, stats, time-series buckets...) one GraphQL
    # operation may ask for, priced before it runs (docs: GraphQL, Limits).
    graphql_max_cost: int = Field(default=50_000, ge=100)
    # A JSON manifest {id: document} (graphql-codegen's client preset, Relay):
    # when set, /graphql runs only those documents (docs: GraphQL, Trusted documents).
    graphql_trusted_documents: Path | None = None
    # Requests per token on the authenticated routes (REST and /graphql) and per
    # client IP on ingestion: "N/second|minute|hour|day" (e.g. "600/minute",
    # "100/10 seconds"); "0" turns the limit off. See the README, "Rate limits".
    rate_limit_token: str = "600/minute"  # noqa: S105  (a rate, not a secret)
    rate_limit_ingest: str = "1200/minute"
    # How many worker processes share the rate limits (all machines together);
    # ``goalgate serve --workers N`` sets it for its own workers.
    workers: int = Field(default=1, ge=1, le=1024)
    # Events per client IP on ingestion (a batch counts each of its events).
    rate_limit_ingest_events: str = "6000/minute"
    # Distinct new paths and names one site may add per UTC day through
    # ingestion, and as many new dimension values (an allowance of their own,
    # so junk campaigns cannot starve real pages); past it new ones are stored
    # as the key "(other)". 0: no bound.
    max_new_keys_per_day: int = Field(default=10_000, ge=0)
    # One client IP's share of each of those allowances per site (an IPv6
    # client by its /64); unset: a tenth of max_new_keys_per_day. 0: no share.
    max_new_keys_per_client_day: int | None = Field(default=None, ge=0)
    # Seconds one request may spend matching goals against a site's distinct
    # paths or names (off the event loop); past it the request gets a clear error.
    match_budget_s: float = Field(default=2.0, gt=0, le=60)
    # Seconds after a request starts by which its reads of events must be done
    # (waiting for a free reader included); past it the request gets a clear
    # error, so any request is answered within about this long.
    read_budget_s: float = Field(default=4.0, gt=0, le=300)
    # Heavy reads (aggregates over events) at once per worker on SQLite (threads
    # of their own); no site may hold more than half of them.
    read_threads: int = Field(default=4, ge=1, le=64)
    # Distinct paths and names a worker mirrors in memory, all sites together;
    # past it whole site dictionaries are dropped, least recently used first.
    key_index_max_keys: int = Field(default=1_000_000, ge=1)
    # A visit (domain.visits) ends after this many minutes without an event of
    # its visitor; the next event starts a new visit with its own source.
    visit_timeout_minutes: int = Field(default=30, ge=1, le=1440)
    # Keep rate-limit counters in Redis instead of the database (redis://host:port/db).
    redis_url: str | None = None
    # A MaxMind-format country database (GeoLite2-Country, DB-IP Lite): the
    # country of each event from its client IP. Unset: country is unknown.
    geoip_database: Path | None = None
    # Log one line per request ("goalgate.access"); off by default: it costs
    # about as much as serving a cached read. Errors are logged either way.
    access_log: bool = False
    # "text" (one line per message, for people) or "json" (one object per line).
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # GET /metrics: "off" (404), "on" (open to whoever reaches the port) or
    # "token" (needs Authorization: Bearer <metrics_token>). Off by default:
    # the port that serves ingestion is public, and traffic figures are not.
    metrics: Literal["off", "on", "token"] = "off"
    metrics_token: SecretStr | None = None
    # Spans over OTLP (pip install 'goalgate[otel]'; OTEL_* variables configure the exporter).
    tracing: bool = False
    # uvicorn's own variable, unprefixed: the proxies whose X-Forwarded-For
    # (client address) and X-Request-ID are believed. "*" trusts everyone.
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("FORWARDED_ALLOW_IPS", "forwarded_allow_ips"),
    )
    # Echo SQL to the log (development only).
    echo_sql: bool = False

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("rate_limit_token", "rate_limit_ingest", "rate_limit_ingest_events")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        # Imported here: settings must stay importable without the service layer.
        from goalgate.services.ratelimit import parse_quota

        parse_quota(value)  # raises ValueError with the reason; pydantic reports it
        return value

    @field_validator("graphql_trusted_documents", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _locate_data(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().absolute()
        if not self.database_url:
            self.database_url = sqlite_url(self.data_dir)
        return self

    @model_validator(mode="after")
    def _metrics_token_when_needed(self) -> Settings:
        token = self.metrics_token.get_secret_value() if self.metrics_token else ""
        if self.metrics == "token" and len(token) < 16:
            raise ValueError("GOALGATE_METRICS=token needs a GOALGATE_METRICS_TOKEN of 16+ chars")
        return self
