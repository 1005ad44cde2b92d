"""One ownership rule for every service: an agency acts only on what it published first.

Every intake event names entities (a session, a participant, ...). The agency that first
publishes an entity (in INTAKE order) owns it; until then the namespace of its id
(`iom:...`) says who may publish it. An intake event from another agency naming an
owned entity is dead-lettered `not_owner` before its handler runs, so no e-mail, report
figure or certificate ever follows from it.

The consumer calls `enforce` for every intake event it receives, handled or not, before
the handler's transaction: claims are committed at first sight, whatever the handler then
does (applied, retried later, dead-lettered for a domain rule), so every service's table is
the same function of INTAKE order and a replay decides exactly as the first run did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from cohort_contracts import Event

from .errors import Invalid

NOT_OWNER = "not_owner"


@dataclass(frozen=True)
class Ref:
    """A payload field naming an entity; `claims` when the event publishes the entity."""

    kind: str
    field: str
    claims: bool = False


def _claims(kind: str, field: str) -> Ref:
    return Ref(kind, field, claims=True)


SESSION, PARTICIPANT = Ref("session", "session_id"), Ref("participant", "participant_id")

# What each intake type names. A new intake type must be added here (a unit test checks
# that every intake type of the catalogue is).
INTAKE_REFS: dict[str, tuple[Ref, ...]] = {
    "course.published.v1": (_claims("course", "course_id"),),
    "session.scheduled.v1": (_claims("session", "session_id"), Ref("course", "course_id")),
    "session.rescheduled.v1": (SESSION,),
    "session.cancelled.v1": (SESSION,),
    "session.closed.v1": (SESSION,),
    "participant.registered.v1": (_claims("participant", "participant_id"),),
    "enrolment.requested.v1": (_claims("enrolment", "enrolment_id"), SESSION, PARTICIPANT),
    "enrolment.withdrawn.v1": (Ref("enrolment", "enrolment_id"),),
    "attendance.recorded.v1": (SESSION, PARTICIPANT),
    "assessment.recorded.v1": (SESSION, PARTICIPANT),
    "evaluation.submitted.v1": (SESSION, PARTICIPANT),  # participant optional (anonymous)
    "certificate.revocation_requested.v1": (Ref("certificate", "certificate_id"),),
    "participant.erasure_requested.v1": (PARTICIPANT,),  # only the registering agency
}


# Network events (from a service, trusted) that tell other services who owns what: a
# certificate belongs to the agency it was issued for.
NETWORK_CLAIMS: dict[str, Ref] = {
    "certificate.issued.v1": _claims("certificate", "certificate_id"),
}


def applies_to(event: Event[Any]) -> bool:
    return event.spec.is_intake and event.type in INTAKE_REFS


async def learn(con: asyncpg.Connection, event: Event[Any]) -> None:
    """Record the owner a network event states (see `NETWORK_CLAIMS`)."""
    ref = NETWORK_CLAIMS.get(event.type)
    if ref is not None and not event.spec.is_intake:
        await claim(con, ref.kind, str(getattr(event.payload, ref.field)), event.agency)


def id_namespace(identifier: str) -> str | None:
    """The agency that namespaces an id (`iom:emm2` -> `iom`), if it follows the convention."""
    prefix, sep, _ = identifier.partition(":")
    return prefix if sep and prefix else None


def named(event: Event[Any]) -> list[tuple[Ref, str]]:
    """The entities an event names, with their ids (absent optional ones left out)."""
    found = []
    for ref in INTAKE_REFS.get(event.type, ()):
        value = getattr(event.payload, ref.field, None)
        if value:
            found.append((ref, str(value)))
    return found


async def enforce(con: asyncpg.Connection, event: Event[Any], stream_seq: int | None) -> None:
    """Raise `Invalid("not_owner")` unless the event's agency owns all it names; claim
    what it publishes first. Each statement commits by itself (see the module's docstring)."""
    refs = named(event)
    if not refs:
        return
    agency = event.agency
    owners = await _owners(con, [(ref.kind, ident) for ref, ident in refs])
    for ref, ident in refs:
        _check(agency, ref.kind, ident, owners.get((ref.kind, ident)))
    new = [(r.kind, ident) for r, ident in refs if r.claims and (r.kind, ident) not in owners]
    if not new:
        return
    claimed = await con.fetch(
        """INSERT INTO ownership (kind, entity_id, agency, event_id, stream_seq)
           SELECT kind, entity_id, $3, $4, $5
             FROM unnest($1::text[], $2::text[]) AS c(kind, entity_id)
           ON CONFLICT DO NOTHING RETURNING kind, entity_id""",
        [k for k, _ in new],
        [i for _, i in new],
        agency,
        event.id,
        stream_seq,
    )
    if len(claimed) < len(new):  # another replica claimed one at the same moment
        for (kind, ident), owner in (await _owners(con, new)).items():
            _check(agency, kind, ident, owner)


async def claim(con: asyncpg.Connection, kind: str, ident: str, agency: str) -> None:
    """Record an owner decided by the service itself (e.g. the issuer of a certificate)."""
    batch = _batch.get()
    if batch is not None and batch.con is con and not batch.handler_claim(kind, ident):
        return  # an earlier event of the batch claimed it: the insert would do nothing
    await con.execute(
        """INSERT INTO ownership (kind, entity_id, agency) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING""",
        kind,
        ident,
        agency,
    )


async def owner(con: asyncpg.Connection, kind: str, ident: str) -> str | None:
    """The recorded owner of an entity (None when nobody has published it)."""
    batch = _batch.get()
    if batch is not None and batch.con is con and (kind, ident) in batch.known:
        return batch.known[(kind, ident)]  # includes the batch's claims not yet written
    return await con.fetchval(  # type: ignore[no-any-return]
        "SELECT agency FROM ownership WHERE kind = $1 AND entity_id = $2", kind, ident
    )


async def _owners(
    con: asyncpg.Connection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    rows = await con.fetch(
        """SELECT o.kind, o.entity_id, o.agency
             FROM unnest($1::text[], $2::text[]) AS k(kind, entity_id)
             JOIN ownership o USING (kind, entity_id)""",
        [k for k, _ in keys],
        [i for _, i in keys],
    )
    return {(r["kind"], r["entity_id"]): r["agency"] for r in rows}


def _check(agency: str, kind: str, ident: str, recorded: str | None) -> None:
    holder = recorded or id_namespace(ident)
    if holder is not None and holder != agency:
        raise Invalid(NOT_OWNER, f"agency {agency!r} may not act on {kind} {ident!r} of {holder!r}")


# --- a batch (docs/decisions/0006): owners read once, claims written once ---------------

Key = tuple[str, str]


class ClaimRace(Exception):
    """Another replica claimed or published an entity while the batch was decided: the
    batch's ownership decisions may differ from the ones made in order, so the consumer
    rolls the batch back and applies its messages one at a time (the path of `enforce`)."""


@dataclass
class Batch:
    """The ownership table as the batch's events see it, in stream order.

    `known` holds the owner (None: nobody) of every entity the batch names, read in one
    query up front and kept up to date with the claims of the batch's events (`pending`,
    written in one statement by `flush` before the commit). Nothing else of the batch
    writes these rows except a handler's `claim` (or `learn`), which drops its key so the
    next look-up reads the table again (the claim may yet be rolled back with its
    savepoint). `assumed` are entities taken as unowned and not claimed by the batch:
    `flush` checks nobody claimed them meanwhile.
    """

    con: asyncpg.Connection
    known: dict[Key, str | None]
    pending: dict[Key, tuple[str, str, int | None]] = field(default_factory=dict)
    assumed: set[Key] = field(default_factory=set)

    async def enforce(
        self, con: asyncpg.Connection, event: Event[Any], stream_seq: int | None
    ) -> None:
        """`enforce` for one event of the batch, in stream order, without a round trip
        unless a handler's claim made a key stale."""
        refs = named(event)
        if not refs:
            return
        keys = [(ref.kind, ident) for ref, ident in refs]
        missing = [k for k in keys if k not in self.known]
        if missing:
            found = await _owners(con, missing)
            self.known.update({k: found.get(k) for k in missing})
        agency = event.agency
        for kind, ident in keys:
            _check(agency, kind, ident, self.known[(kind, ident)])
        for ref, ident in refs:
            key = (ref.kind, ident)
            if self.known[key] is not None:
                continue
            if ref.claims:
                self.known[key] = agency
                self.pending[key] = (agency, event.id, stream_seq)
                self.assumed.discard(key)
            else:
                self.assumed.add(key)

    def handler_claim(self, kind: str, ident: str) -> bool:
        """A handler claims an entity: False when the batch already holds an owner for it."""
        key = (kind, ident)
        if self.known.get(key) is not None:
            return False
        self.known.pop(key, None)
        self.assumed.discard(key)
        return True

    async def flush(self, con: asyncpg.Connection) -> None:
        """Write the batch's claims in one statement; raise `ClaimRace` if any was taken."""
        if self.pending:
            keys = list(self.pending)
            claimed = await con.fetch(
                """INSERT INTO ownership (kind, entity_id, agency, event_id, stream_seq)
                   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                        $5::bigint[])
                   ON CONFLICT DO NOTHING RETURNING kind""",
                [k for k, _ in keys],
                [i for _, i in keys],
                [self.pending[k][0] for k in keys],
                [self.pending[k][1] for k in keys],
                [self.pending[k][2] for k in keys],
            )
            if len(claimed) < len(keys):
                raise ClaimRace(f"{len(keys) - len(claimed)} claim(s) taken meanwhile")
            self.pending.clear()
        if self.assumed and await _owners(con, list(self.assumed)):
            raise ClaimRace("an entity taken as unowned was claimed meanwhile")


_batch: ContextVar[Batch | None] = ContextVar("cohort_ownership_batch", default=None)


async def prefetch(con: asyncpg.Connection, events: list[Event[Any]]) -> Batch:
    """The owners of every entity the intake events of a batch name, in one query."""
    keys = list(
        dict.fromkeys((ref.kind, ident) for e in events if applies_to(e) for ref, ident in named(e))
    )
    found = await _owners(con, keys) if keys else {}
    return Batch(con, {k: found.get(k) for k in keys})


@contextmanager
def batched(batch: Batch) -> Iterator[Batch]:
    """While a batch is applied, `owner` and `claim` on its connection go through it."""
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)
