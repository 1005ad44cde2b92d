"""Durable readers: an organisation's own consumer in the services' account, and the three
JetStream services of it (and nothing else) that its account imports.

One mechanism for everything an organisation must not miss while offline
(docs/decisions/0007-subscriber-delivery.md, 0005-agency-feedback-over-nats.md):

- `reader-<ACCOUNT>` on REPORTS: a ministry's country, a donor's reports, an agency's
  programmes;
- `rejections-<ACCOUNT>` on DEADLETTER, `deadletter.*.<agency>`: what the network refused of
  the agency's own intake (`deadletter_subject` puts the agency token in the subject);
- `erasures-<ACCOUNT>` on PRIVACY, `privacy.completed.<agency>`: the agency's erasures done.

The consumer, its filter and its limits are provisioned by us (`cohort provision --access`);
the account can only ask that one consumer for its next messages, read its info and
acknowledge, under the prefix `JS.<COHORT>.API`. It creates, lists or binds nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from cohort_contracts.streams import DEADLETTER, PRIVACY, REPORTS, ConsumerSpec


@dataclass(frozen=True)
class Durable:
    """One kind of durable reader: its stream, filters and words, by account and agency."""

    stream: str
    description: str  # a format of {account} and {agency} or {scopes}
    agency_filter: str = ""  # a format of {agency}; a reports reader is given its subjects


# The durable readers by kind; the kind is the first part of the durable's name.
DURABLES = {
    "reader": Durable(REPORTS.name, "Reports of {scopes} for {account}, from where it left off."),
    "rejections": Durable(
        DEADLETTER.name,
        "Dead-letters of {agency}'s own intake for {account}, from where it left off.",
        agency_filter="deadletter.*.{agency}",
    ),
    "erasures": Durable(
        PRIVACY.name,
        "Erasures completed for {agency}, for {account}, from where it left off.",
        agency_filter="privacy.completed.{agency}",
    ),
}
AGENCY_KINDS = ("rejections", "erasures")  # every agency has one of each


def durable_name(kind: str, account: str) -> str:
    """The durable consumer of `kind` (a key of DURABLES) that keeps `account`'s place."""
    return f"{kind}-{account}"


reader_durable = partial(durable_name, "reader")
rejections_durable = partial(durable_name, "rejections")
erasures_durable = partial(durable_name, "erasures")


def _spec(kind: str, account: str, filters: list[str], **words: str) -> ConsumerSpec:
    # A subscriber may stay away for weeks: nothing is ever given up (`max_deliver` -1); a
    # fetched message not acknowledged within `ack_wait` comes again.
    durable = DURABLES[kind]
    return ConsumerSpec(
        durable.stream,
        durable_name(kind, account),
        tuple(filters),
        durable.description.format(account=account, **words),
        ack_wait_seconds=60.0,
        max_deliver=-1,
        max_ack_pending=100,
    )


def reports_reader(account: str, subjects: list[str]) -> ConsumerSpec:
    scopes = ", ".join(s.removesuffix(".>") for s in subjects)
    return _spec("reader", account, subjects, scopes=scopes)


def agency_reader(kind: str, account: str, agency: str) -> ConsumerSpec:
    """The agency's durable reader of `kind` ("rejections" or "erasures")."""
    filters = [DURABLES[kind].agency_filter.format(agency=agency)]
    return _spec(kind, account, filters, agency=agency)


def api(account: str, spec: ConsumerSpec, cohort: str, prefix: str) -> tuple[list, list, list]:
    """Exports (from the services' account), imports and publish permissions that give
    `account` the one consumer `spec` and nothing more."""
    next_ = f"CONSUMER.MSG.NEXT.{spec.stream}.{spec.durable}"
    info = f"CONSUMER.INFO.{spec.stream}.{spec.durable}"
    ack = f"$JS.ACK.{spec.stream}.{spec.durable}.>"
    exports: list[dict[str, Any]] = [
        # A pull request is answered by many messages: a "stream" response.
        {"service": f"$JS.API.{next_}", "response_type": "stream", "accounts": [account]},
        {"service": f"$JS.API.{info}", "accounts": [account]},
        {"service": ack, "accounts": [account]},
    ]
    imports: list[dict[str, Any]] = [
        {"service": {"account": cohort, "subject": f"$JS.API.{next_}"}, "to": f"{prefix}.{next_}"},
        {"service": {"account": cohort, "subject": f"$JS.API.{info}"}, "to": f"{prefix}.{info}"},
        {"service": {"account": cohort, "subject": ack}},
    ]
    return exports, imports, [f"{prefix}.{next_}", f"{prefix}.{info}", ack]
