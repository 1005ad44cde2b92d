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

from typing import Any

from cohort_contracts.streams import DEADLETTER, PRIVACY, REPORTS, ConsumerSpec


def reader_durable(account: str) -> str:
    """The durable consumer on REPORTS that keeps a subscriber's place."""
    return f"reader-{account}"


def rejections_durable(account: str) -> str:
    """The durable consumer on DEADLETTER that keeps an agency's place in its rejections."""
    return f"rejections-{account}"


def erasures_durable(account: str) -> str:
    """The durable consumer on PRIVACY that keeps an agency's place in its completed erasures."""
    return f"erasures-{account}"


def _spec(stream: str, durable: str, filters: list[str], description: str) -> ConsumerSpec:
    # A subscriber may stay away for weeks: nothing is ever given up (`max_deliver` -1); a
    # fetched message not acknowledged within `ack_wait` comes again.
    return ConsumerSpec(
        stream,
        durable,
        tuple(filters),
        description,
        ack_wait_seconds=60.0,
        max_deliver=-1,
        max_ack_pending=100,
    )


def reports_reader(account: str, subjects: list[str]) -> ConsumerSpec:
    scopes = ", ".join(s.removesuffix(".>") for s in subjects)
    return _spec(
        REPORTS.name,
        reader_durable(account),
        subjects,
        f"Reports of {scopes} for {account}, from where it left off.",
    )


def rejections_reader(account: str, agency: str) -> ConsumerSpec:
    return _spec(
        DEADLETTER.name,
        rejections_durable(account),
        [f"deadletter.*.{agency}"],
        f"Dead-letters of {agency}'s own intake for {account}, from where it left off.",
    )


def erasures_reader(account: str, agency: str) -> ConsumerSpec:
    return _spec(
        PRIVACY.name,
        erasures_durable(account),
        [f"privacy.completed.{agency}"],
        f"Erasures completed for {agency}, for {account}, from where it left off.",
    )


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
