"""Why an incoming message can never be applied: each kind is its own named error.

Every error carries a stable ``reason`` code; it is what a dead-letter record and a
`cohort publish` rejection show, so operators can group and replay by it.
"""

from __future__ import annotations


class ContractError(Exception):
    """A message that breaks the contract. It will never become valid by waiting."""

    reason = "contract_violation"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"


class NotJson(ContractError):
    """The body is not UTF-8 JSON."""

    reason = "not_json"


class MalformedEnvelope(ContractError):
    """The body is JSON but not a CloudEvents 1.0 structured event of ours."""

    reason = "malformed_envelope"


class UnknownEventType(ContractError):
    """The `type` names no event in the catalogue."""

    reason = "unknown_type"


class UnsupportedVersion(ContractError):
    """The event is known, but not in this version (e.g. `session.scheduled.v9`)."""

    reason = "unsupported_version"


class SchemaViolation(ContractError):
    """The envelope is fine but `data` breaks the payload's schema or value rules."""

    reason = "schema_violation"


class RuleViolation(ContractError):
    """`data` matches the payload's JSON Schema but breaks a rule JSON Schema cannot state,
    between fields (an end before its start); each model's description names its rules."""

    reason = "rule_violation"


class AgencyMismatch(ContractError):
    """The `agency` attribute differs from the `<agency>` token of the intake subject."""

    reason = "agency_mismatch"


class WrongSubject(ContractError):
    """The event type does not belong on the subject it arrived on."""

    reason = "wrong_subject"


class TooLarge(ContractError):
    """The body is larger than the size limit; it is refused before being parsed."""

    reason = "too_large"


class TooDeep(ContractError):
    """The body nests arrays and objects deeper than the depth limit (checked before
    parsing: a parser would otherwise run out of stack)."""

    reason = "too_deep"


class Unparseable(ContractError):
    """Parsing or validating the body failed in a way none of the above names (a bug or a
    case nobody foresaw): never left to redelivery, dead-lettered with the error."""

    reason = "unparseable"
