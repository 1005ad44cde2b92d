"""Every organisation of the demo registry x every route x resources of two agencies in two
countries: data comes back only inside the caller's scope (target: 0 cross-scope reads),
and outside it the answer is 401/403, or the very answer an id that does not exist gets.

The four services run in this process on the test's NATS and PostgreSQL, fed the Niger
training (IOM, donor Netherlands) and the Baghdad one (ICMPD, donor Denmark).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cohort_certification.settings import CertificationSettings
from cohort_cli.embedded import free_port
from cohort_cli.mailsink import MailSink
from cohort_cli.publishing import publish_lines, read_lines
from cohort_enrolment.settings import EnrolmentSettings
from cohort_kit import Runtime
from cohort_kit.auth import Principal, Registry, report_scope, route_table
from cohort_notification.settings import NotificationSettings
from cohort_reporting.settings import ReportingSettings

from tests.auth import REGISTRY, token
from tests.conftest import fresh_database
from tests.harness import eventually

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    ROOT / "examples" / "03-niger-emm2.jsonl",
    ROOT / "examples" / "04-baghdad-reintegration.jsonl",
]
SESSIONS = {"iom": "iom:ner-2023-03-emm2", "icmpd": "icmpd:irq-2022-11-reint-pm"}
PARTICIPANTS = {"iom": "iom:p-ner-0001", "icmpd": "icmpd:p-irq-0001"}
# Each session's summary for its country, as published (GET /reports/feed/{report_id}).
SUMMARIES = {
    "iom": ("NER", f"cohort:r-session_summary-{SESSIONS['iom']}-country-NER"),
    "icmpd": ("IRQ", f"cohort:r-session_summary-{SESSIONS['icmpd']}-country-IRQ"),
}
REPORT_SCOPES = [
    "country:NER",
    "country:IRQ",
    "country:COM",
    "donor:Netherlands",
    "donor:Denmark",
    "programme:EMM2.0",
    "programme:Reintegration",
]
COMMON = {"http_port": 0, "relay_poll_seconds": 0.2, "retry_max_delay_seconds": 0.3}
SETTINGS: dict[str, Any] = {
    "enrolment": lambda db, _: EnrolmentSettings(**COMMON, database_url=db),
    "certification": lambda db, _: CertificationSettings(**COMMON, database_url=db),
    "notification": lambda db, smtp: NotificationSettings(
        **COMMON, database_url=db, smtp_port=smtp, delivery_poll_seconds=0.2
    ),
    "reporting": lambda db, _: ReportingSettings(
        **COMMON, database_url=db, summary_poll_seconds=0.2, summary_quiet_seconds=0.5
    ),
}


@pytest.fixture
async def network(js, nats_url, pg_admin_dsn, tmp_path) -> AsyncIterator[dict[str, Runtime]]:
    mail = MailSink(tmp_path / "mail", free_port()).start()
    runtimes: dict[str, Runtime] = {}
    async with contextlib.AsyncExitStack() as stack:
        for service, make in SETTINGS.items():
            db = await stack.enter_async_context(fresh_database(pg_admin_dsn))
            settings = make(db, mail.port).model_copy(update={"nats_url": nats_url})
            definition = importlib.import_module(f"cohort_{service}.app").definition
            runtimes[service] = Runtime(definition, settings)
            await runtimes[service].start()
        try:
            report = await publish_lines(nats_url, read_lines(EXAMPLES))
            assert report.published > 0 and not report.rejected
            yield runtimes
        finally:
            for runtime in runtimes.values():
                await runtime.stop()
            mail.stop()


def client(runtime: Runtime) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.http_app), base_url="http://t"
    )


def auth(org: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(org)}"} if org else {}


async def seeded(runtimes: dict[str, Runtime]) -> dict[str, str]:
    """Wait until every service holds both agencies' data; return a delivery id of each."""
    deliveries: dict[str, str] = {}
    async with (
        client(runtimes["enrolment"]) as enrolment,
        client(runtimes["notification"]) as notification,
        client(runtimes["reporting"]) as reporting,
    ):
        for agency, sid in SESSIONS.items():
            owner = auth(f"agency:{agency}")

            async def closed(sid: str = sid, owner: dict[str, str] = owner) -> bool:
                r = await enrolment.get(f"/sessions/{sid}/counts", headers=owner)
                return r.status_code == 200 and r.json()["status"] == "closed"

            async def delivered(agency: str = agency, owner: dict[str, str] = owner) -> Any:
                path = f"/notifications/participants/{PARTICIPANTS[agency]}/deliveries"
                rows = (await notification.get(path, headers=owner)).json()
                return rows[0]["delivery_id"] if rows else None

            await eventually(closed, timeout=120)
            deliveries[agency] = await eventually(delivered, timeout=120)
        for country in ("NER", "IRQ"):
            ministry = auth(f"ministry:{country}")

            async def reported(country: str = country, ministry: dict[str, str] = ministry) -> bool:
                r = await reporting.get(
                    "/reports", params={"scope": f"country:{country}"}, headers=ministry
                )
                return bool(r.json()["figures"]["provenance"]["sessions_covered"])

            await eventually(reported, timeout=120)

        async def summaries() -> bool | None:
            r = await reporting.get("/reports/feed", params={"limit": 100}, headers=auth("ops"))
            stored = {i["report_id"] for i in r.json()["items"]}
            return {rid for _, rid in SUMMARIES.values()} <= stored or None

        await eventually(summaries, timeout=120)
    return deliveries


def principal(registry: Registry, org: str | None) -> Principal:
    return Principal(org or "", registry.scopes(org) if org else frozenset())


async def test_no_organisation_reads_outside_its_scope(network):
    deliveries = await seeded(network)
    registry = Registry.load(REGISTRY)
    callers: list[str | None] = [o.id for o in registry] + ["nobody:unknown", None]
    violations: list[str] = []
    checked = 0

    def expect(cond: bool, what: str) -> None:
        if not cond:
            violations.append(what)

    for runtime in network.values():
        async with client(runtime) as http:
            for methods, path, rule in route_table(runtime.http_app):
                if rule.startswith("public"):
                    continue
                method = methods.split(",")[0]
                for org in callers:
                    caller = principal(registry, org)
                    for request, owner, allowed in cases(path, caller, deliveries):
                        label = f"{org} {method} {request.url}"
                        r = await http.request(
                            method, request.url, params=request.params, headers=auth(org)
                        )
                        checked += 1
                        if org is None:
                            expect(r.status_code == 401 and "www-authenticate" in r.headers, label)
                        elif allowed:
                            expect(r.status_code < 300, f"{label}: {r.status_code} in scope")
                            expect(only_owner(r.text, owner), f"{label}: other agency's data")
                        elif r.status_code != 403:
                            twin = await http.request(
                                method, request.unknown, params=request.params, headers=auth(org)
                            )
                            same = (r.status_code, r.text.replace(request.ident, "?")) == (
                                twin.status_code,
                                twin.text.replace(request.unknown_ident, "?"),
                            )
                            expect(
                                same and r.status_code in (200, 404),
                                f"{label}: {r.status_code} {r.text[:80]}",
                            )
                            expect(not mentions_owner(r.text, owner), f"{label}: leaks")
    assert violations == [], violations[:20]
    assert checked > 500


class Request:
    def __init__(
        self,
        url: str,
        params: dict[str, str] | None = None,
        ident: str = "",
        unknown_ident: str = "",
    ):
        self.url = url
        self.params = params or {}
        self.ident = ident
        self.unknown_ident = unknown_ident
        self.unknown = url.replace(ident, unknown_ident) if ident else url


def cases(
    path: str, caller: Principal, deliveries: dict[str, str]
) -> list[tuple[Request, str | None, bool]]:
    """(request, owning agency, may the caller read it) for one route template."""
    out: list[tuple[Request, str | None, bool]] = []
    roster = caller.values("roster:agency:")
    ids = {"{session_id}": SESSIONS, "{participant_id}": PARTICIPANTS, "{delivery}": deliveries}
    for placeholder, by_agency in ids.items():
        if placeholder in path:
            for agency, ident in by_agency.items():
                url = path.replace(placeholder, ident)
                unknown = f"{agency}:does-not-exist"
                out.append(
                    (Request(url, ident=ident, unknown_ident=unknown), agency, agency in roster)
                )
            return out
    if path in ("/reports", "/dashboard", "/dashboard-download"):
        for scope in REPORT_SCOPES:
            kind, _, value = scope.partition(":")
            out.append(
                (Request(path, {"scope": scope}), None, caller.allows(report_scope(kind, value)))
            )
        return out
    if path == "/reports/feed":  # which items it lists: tests/reporting/test_feed.py
        return [(Request(path), None, caller.has_family("reports"))]
    if "{report_id}" in path:
        for agency, (country, rid) in SUMMARIES.items():
            url = path.replace("{report_id}", rid)
            allowed = caller.allows(report_scope("country", country))
            out.append((Request(url, ident=rid, unknown_ident=f"{rid}-none"), agency, allowed))
        return out
    if path in ("/readyz", "/metrics"):
        return [(Request(path), None, caller.allows("ops"))]
    if path in ("/trainers", "/sessions/uncertified-facilitators"):
        # Lists: a caller with agencies sees its own rows only (checked by only_owner).
        owner = next(iter(roster)) if len(roster) == 1 else None
        return [(Request(path), owner, bool(roster))]
    raise AssertionError(f"route {path} is not covered by the cross-scope test: add it")


def only_owner(text: str, owner: str | None) -> bool:
    """Nothing of another agency in an answer meant for `owner`."""
    if owner is None:
        return True
    return not any(f'"{other}:' in text for other in SESSIONS if other != owner)


def mentions_owner(text: str, owner: str | None) -> bool:
    return owner is not None and f'"{owner}:p-' in text
