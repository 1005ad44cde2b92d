"""Who subscribes to which reports: the `subscriptions:` of each organisation in the registry.

The registry is the access file (`deploy/access.yaml`); this module reads only the
`subscriptions:` lists of its ministries (scope `country:<ISO3>`) and donors (scope
`donor:<name>`), so the rest of the file can change without this service knowing:

    ministries:
      NER:
        name: Niger
        subscriptions:
          - {email: dg.migrations@example.ne, language: fr, formats: [pdf, xlsx]}
          - {webhook: "https://stats.example.ne/cohort", secret_env: COHORT_WEBHOOK_SECRET_NER}

A webhook names the environment variable holding its shared secret, never the secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from cohort_contracts.reports import subject_token
from cohort_contracts.values import Email, Url
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Subscription(BaseModel):
    """One contact (an e-mail address) or one system (a webhook URL)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: Email | None = None
    language: Literal["en", "fr", "ar"] = "en"
    formats: tuple[Literal["pdf", "xlsx"], ...] = ("pdf",)
    webhook: Url | None = None
    secret_env: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9_]*$")

    @model_validator(mode="after")
    def _one_channel(self) -> Subscription:
        if (self.email is None) == (self.webhook is None):
            raise ValueError("a subscription has either `email` or `webhook`")
        if self.webhook is not None and self.secret_env is None:
            raise ValueError("a webhook needs `secret_env`, the variable holding its secret")
        if "pdf" not in self.formats:
            raise ValueError("every report e-mail carries the PDF: formats must include pdf")
        return self

    @property
    def channel(self) -> str:
        return "email" if self.email is not None else "report_webhook"

    @property
    def address(self) -> str:
        return str(self.email or self.webhook)


class _Org(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the rest belongs to other readers of the file

    name: str = ""
    subscriptions: list[Subscription] = Field(default_factory=list)


class _Registry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ministries: dict[str, _Org] = Field(default_factory=dict)
    donors: dict[str, _Org] = Field(default_factory=dict)


@dataclass(frozen=True)
class Subscriber:
    org: str  # e.g. ministry:NER, donor:eu
    name: str
    subscription: Subscription


class Registry:
    def __init__(self, data: dict[str, Any] | None) -> None:
        self._r = _Registry.model_validate(data or {})

    @classmethod
    def load(cls, path: str | Path | None) -> Registry:
        if not path:
            return cls(None)
        return cls(yaml.safe_load(Path(path).read_text(encoding="utf-8")))

    def for_scope(self, scope: dict[str, Any]) -> list[Subscriber]:
        """The subscribers of a report's scope (`{"country": "NER"}`, `{"donor": ...}`)."""
        out: list[Subscriber] = []
        if scope.get("country"):
            org = self._r.ministries.get(scope["country"])
            if org is not None:
                out += [
                    Subscriber(f"ministry:{scope['country']}", org.name, s)
                    for s in org.subscriptions
                ]
        if scope.get("donor"):
            donor = scope["donor"]
            for key, org in self._r.donors.items():
                if donor in (org.name, key) or subject_token(donor) == key:
                    out += [Subscriber(f"donor:{key}", org.name, s) for s in org.subscriptions]
        return out
