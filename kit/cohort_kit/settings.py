"""Configuration from the environment (pydantic-settings); every variable is `COHORT_*`.

Secrets have no default: a service refuses to start without them. Each variable may also be
given as a file, `COHORT_<NAME>_FILE=/run/secrets/...` (compose and Kubernetes secrets); the
variable itself wins when both are set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from cohort_contracts import limits
from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

S = TypeVar("S", bound="ServiceSettings")


class _FileVariables(EnvSettingsSource):
    """`COHORT_X_FILE=<path>` read as `COHORT_X` = the file's content (trailing newline cut)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        values: dict[str, str | None] = {}
        for name, path in os.environ.items():
            if name.startswith("COHORT_") and name.endswith("_FILE") and path:
                try:
                    text = Path(path).read_text(encoding="utf-8")
                except OSError as exc:
                    raise SettingsError(f"{name}: cannot read {path}: {exc.strerror}") from exc
                values[name[: -len("_FILE")].lower()] = text.rstrip("\r\n")
        return values


class SettingsError(SystemExit):
    """A configuration a service must not start with; the message names the variable."""


def load_settings(cls: type[S]) -> S:
    """The settings from the environment, or `SettingsError` naming what is missing."""
    try:
        return cls()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            variable = f"COHORT_{field.upper()}" if field else "configuration"
            if error["type"] == "missing":
                problems.append(f"{variable} is not set (nor {variable}_FILE): it has no default")
            else:
                problems.append(f"{variable}: {error['msg']}")
        raise SettingsError("cannot start: " + "; ".join(problems)) from exc


class ServiceSettings(BaseSettings):
    """What every service reads from its environment. Services subclass it for their own."""

    model_config = SettingsConfigDict(env_prefix="COHORT_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = _FileVariables(settings_cls)
        return init_settings, env_settings, files, dotenv_settings, file_secret_settings

    nats_url: str = Field(
        "nats://127.0.0.1:14222", description="NATS server URL(s), comma-separated."
    )
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:15432/postgres",
        description="PostgreSQL DSN of this service's own database.",
    )
    stream_replicas: int = Field(
        1, description="Replicas of every stream, as provisioned (3 on a NATS cluster)."
    )
    http_host: str = Field("127.0.0.1", description="Address of the health/metrics/API server.")
    http_port: int = Field(18080, description="Port of the health/metrics/API server (0 = none).")
    log_format: str = Field("auto", description="`json`, `console`, or `auto` (console on a tty).")
    log_level: str = Field("info", description="Minimum log level.")
    db_pool_min: int = Field(1, description="Smallest size of the PostgreSQL pool.")
    db_pool_max: int = Field(5, description="Largest size of the PostgreSQL pool.")
    db_command_timeout: float = Field(10.0, description="Seconds before a SQL command times out.")
    retry_window_seconds: float = Field(
        120.0,
        description="How long an event that cannot be applied yet (e.g. a request for a session "
        "not yet known) is retried before the handler decides it for good.",
    )
    retry_max_delay_seconds: float = Field(10.0, description="Cap of the retry back-off.")
    handler_failure_limit: int = Field(
        8,
        description="Deliveries after which a message whose handler keeps failing with an "
        "unexpected error is dead-lettered (reason `handler_error`) instead of retried.",
    )
    max_message_bytes: int = Field(
        limits.MAX_MESSAGE_BYTES,
        gt=0,
        description="Largest message body a consumer parses; a larger one is dead-lettered "
        "`too_large` (checked before parsing).",
    )
    max_json_depth: int = Field(
        limits.MAX_JSON_DEPTH,
        gt=0,
        description="Deepest nesting of JSON arrays and objects a consumer parses; a deeper "
        "body is dead-lettered `too_deep` (checked before parsing).",
    )
    relay_poll_seconds: float = Field(
        1.0, description="Outbox relay poll interval (NOTIFY wakes it earlier)."
    )
    relay_batch: int = Field(200, description="Outbox rows published per relay round.")
    consumer_batch_max: int = Field(
        100,
        gt=0,
        description="Most messages a consumer applies in one transaction. Batches grow with "
        "the backlog up to this; with nothing waiting each message is applied alone.",
    )
    startup_wait_seconds: float = Field(
        300.0,
        description="How long a starting service waits for PostgreSQL and NATS to answer "
        "before it gives up (transient errors only; bad credentials fail at once).",
    )
    shutdown_grace_seconds: float = Field(
        10.0,
        description="Time to finish in-flight messages on SIGTERM (`cohort up` waits 30 s "
        "before it kills a service, so keep this well below).",
    )
    # Who is calling (bearer JWT access tokens; docs/security.md).
    auth_issuer: str = Field(
        "", description="Token issuer (`iss`, exact). Empty: every protected route answers 401."
    )
    auth_audience: str = Field("cohort-api", description="Audience every token must carry.")
    auth_jwks_url: str = Field("", description="The issuer's JWKS URL (default: ISSUER/jwks).")
    auth_algorithms: str = Field(
        "RS256,PS256,ES256,EdDSA", description="Accepted token algorithms (asymmetric only)."
    )
    auth_leeway_seconds: float = Field(30.0, description="Clock skew allowed on exp/nbf/iat.")
    auth_org_claim: str = Field("cohort_org", description="Claim naming the organisation.")
    auth_registry: str = Field(
        "", description="The organisation registry (deploy/access.yaml): organisation -> scopes."
    )
    auth_jwks_lifespan_seconds: float = Field(300.0, description="How long JWKS is cached.")
    auth_jwks_cooldown_seconds: float = Field(
        30.0, description="Least time between two JWKS fetches caused by unknown key ids."
    )
