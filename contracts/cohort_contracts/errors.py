"""Why an incoming message can never be applied: each kind is its own named error.

Every error carries a stable ``reason`` code; it is what a dead-letter record and a
`cohort publish` rejection show, so operators can group and replay by it.
"""

from __future__ import annotations

from typing import Any


class ContractError(Exception):
    """A message that breaks the contract. It will never become valid by waiting."""

    reason = "contract_violation"

    def __init_subclass__(cls, *, reason: str, **kwargs: Any) -> None:
        # Each kind names its reason on its class line: `class TooLarge(ContractError, reason=...)`.
        super().__init_subclass__(**kwargs)
        cls.reason = reason

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


class NotJson(ContractError, reason="not_json"):
    """The body is not UTF-8 JSON."""


class MalformedEnvelope(ContractError, reason="malformed_envelope"):
    """The body is JSON but not a CloudEvents 1.0 structured event of ours."""


class UnknownEventType(ContractError, reason="unknown_type"):
    """The `type` names no event in the catalogue."""


class UnsupportedVersion(ContractError, reason="unsupported_version"):
    """The event is known, but not in this version (e.g. `session.scheduled.v9`)."""


class SchemaViolation(ContractError, reason="schema_violation"):
    """The envelope is fine but `data` breaks the payload's schema or value rules."""


class RuleViolation(ContractError, reason="rule_violation"):
    """`data` matches the payload's JSON Schema but breaks a rule JSON Schema cannot state,
    between fields (an end before its start); each model's description names its rules."""


class AgencyMismatch(ContractError, reason="agency_mismatch"):
    """The `agency` attribute differs from the `<agency>` token of the intake subject."""


class WrongSubject(ContractError, reason="wrong_subject"):
    """The event type does not belong on the subject it arrived on."""


class TooLarge(ContractError, reason="too_large"):
    """The body is larger than the size limit; it is refused before being parsed."""


class TooDeep(ContractError, reason="too_deep"):
    """The body nests arrays and objects deeper than the depth limit (checked before
    parsing: a parser would otherwise run out of stack)."""


class Unparseable(ContractError, reason="unparseable"):
    """Parsing or validating the body failed in a way none of the above names (a bug or a
    case nobody foresaw): never left to redelivery, dead-lettered with the error."""
