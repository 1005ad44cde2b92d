"""Report subscriptions: the reporting service publishes, the notification service e-mails and
posts, against real NATS, PostgreSQL, an SMTP server and an HTTP receiver."""

from __future__ import annotations

import asyncio
import io
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from cohort_cli.embedded import free_port
from cohort_kit import Runtime
from cohort_notification.channels import sign
from cohort_reporting.app import definition as reporting_definition
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import fresh_database
from tests.harness import eventually, publish_raw, read_stream, rows
from tests.notification.sinks import HttpReceiver, SmtpSink
from tests.notification.test_service import Service, settings
from tests.reporting import scenario
from tests.reporting.conftest import reporting_settings

pytestmark = pytest.mark.integration

FR, AR, EN = "stats@migration.example.km", "rapports@migration.example.km", "dg@example.ne"
SECRET = "s3cret-of-comoros"


def registry(path: Path, hook_port: int) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "ministries": {
                    "COM": {
                        "name": "Comoros",
                        "subscriptions": [
                            {"email": FR, "language": "fr", "formats": ["pdf", "xlsx"]},
                            {"email": AR, "language": "ar"},
                            {
                                "webhook": f"http://127.0.0.1:{hook_port}/cohort",
                                "secret_env": "COHORT_TEST_HOOK_SECRET",
                            },
                        ],
                    },
                    "NER": {"name": "Niger", "subscriptions": [{"email": EN, "language": "en"}]},
                    "SEN": {"name": "Senegal"},
                },
                "services": {"ignored": "by the notification service"},
            }
        )
    )
    return path


@pytest.fixture
async def reporting(js, nats_url: str, pg_admin_dsn: str) -> AsyncIterator[Runtime]:
    """The reporting service with its HTTP API on a real port (the e-mails' files)."""
    async with fresh_database(pg_admin_dsn) as url:
        port = free_port()
        s = reporting_settings(nats_url, url).model_copy(update={"http_port": port})
        runtime = Runtime(reporting_definition, s)
        await runtime.start()
        server = uvicorn.Server(
            uvicorn.Config(runtime.http_app, host="127.0.0.1", port=port, log_level="warning")
        )
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        serving = asyncio.ensure_future(server.serve())
        yield runtime
        server.should_exit = True
        await serving
        await runtime.stop()


def by_address(smtp: SmtpSink) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for m in smtp.messages:
        if m["X-Cohort-Template"] == "report_published":
            out[m["To"]].append(m)
    return out


def pdf_text(msg: Any) -> str:
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    reader = PdfReader(io.BytesIO(pdfs[0].get_content()))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_each_contact_gets_one_email_per_report_in_its_language_across_a_restart(
    js, nats_url, database_url, reporting, tmp_path, monkeypatch
):
    monkeypatch.setenv("COHORT_TEST_HOOK_SECRET", SECRET)
    hook = HttpReceiver(free_port()).start()
    hook.status = 503  # the ministry's system is down for good
    smtp = SmtpSink(free_port())  # not started yet: the mail server is down at first
    notification = Service(
        settings(
            nats_url,
            database_url,
            smtp.port,
            subscriptions_registry=str(registry(tmp_path / "registry.yaml", hook.port)),
            reports_base_url=f"http://127.0.0.1:{reporting.settings.http_port}",
            public_url="http://notification.example",
            report_webhook_give_up_after_seconds=45.0,
        )
    )
    await notification.start()
    try:
        for subject, body, msg_id in scenario.build().bodies():
            await publish_raw(js, subject, body, msg_id)

        async def queued() -> Any:
            rows = await notification_rows(database_url)
            return rows if len(rows) >= 4 else None  # FR, AR, EN e-mails + the webhook

        rows = await eventually(queued, timeout=60)
        assert {r["channel"] for r in rows} == {"email", "report_webhook"}
        # Killed mid-delivery (nothing could be sent: no mail server), then started again.
        await notification.stop()
        smtp.start()
        await notification.start()

        async def wanted() -> dict[str, int]:
            reports = [json.loads(m.data)["data"] for m in await read_stream(js, "REPORTS")]
            com = sum(r["scope"].get("country") == "COM" for r in reports)
            ner = sum(r["scope"].get("country") == "NER" for r in reports)
            return {FR: com, AR: com, EN: ner}

        async def mailed() -> Any:
            got, want = by_address(smtp), await wanted()
            rows = [r for r in await notification_rows(database_url) if r["channel"] == "email"]
            done = rows and all(r["status"] == "sent" for r in rows)
            counts = {a: len({m["Message-ID"] for m in ms}) for a, ms in got.items()}
            return (got, want) if done and counts == want else None

        try:
            got, want = await eventually(mailed, timeout=180)  # retries back off; shared CPU
        except AssertionError:
            rows = await notification_rows(database_url)
            errors = [(r["address"], r["status"], r["last_error"]) for r in rows]
            raise AssertionError(errors) from None

        async def dead() -> Any:
            records = await read_stream(js, "DEADLETTER", "deadletter.notification")
            return records or None

        records = await eventually(dead, timeout=150)
    finally:
        await notification.stop()
        smtp.stop()
        hook.stop()

    # One e-mail per (report, contact): the session summary, monthly and quarterly reports.
    assert want[FR] >= 1 and want[EN] >= 1
    assert {a: len({m["Message-ID"] for m in ms}) for a, ms in got.items()} == want
    assert all(len({m["Subject"] for m in got[a]}) == n for a, n in want.items())

    def summary_mail(address: str, words: str) -> Any:
        return next(m for m in got[address] if words in m["Subject"])

    fr = summary_mail(FR, "Bilan de session")
    ar = summary_mail(AR, "ملخص الدورة")
    en = summary_mail(EN, "Session summary")
    assert fr["Content-Language"] == "fr" and fr["Subject"].startswith("Bilan de session : Comoros")
    assert "30 personnes ont été formées, dont 17 femmes" in fr.get_body(("plain",)).get_content()
    assert ar["Content-Language"] == "ar" and "ملخص الدورة" in ar["Subject"]
    assert en["Content-Language"] == "en" and en["Subject"].startswith("Session summary: Niger")
    for msg in (fr, ar, en):
        text = pdf_text(msg)  # the PDF opens and says what it is about
        assert "Cohort report" in text
        assert "unsubscribe?token=" in msg.get_body(("plain",)).get_content()
    assert "COM" in pdf_text(fr) and "NER" in pdf_text(en)
    xlsx = [p for p in fr.iter_attachments() if p.get_filename().endswith(".xlsx")]
    assert len(xlsx) == 1 and load_workbook(io.BytesIO(xlsx[0].get_content())).active.max_row > 10
    assert [p.get_content_type() for p in ar.iter_attachments()] == ["application/pdf"]

    # The webhook was tried more than once, signed, then dead-lettered with its reason.
    assert len(hook.requests) >= 2
    req = hook.requests[0]
    ts = req["headers"]["x-cohort-timestamp"]
    assert req["headers"]["x-cohort-signature"] == sign(SECRET, ts, req["body"])
    assert json.loads(req["body"])["type"] == "report.published.v1"
    record = json.loads(records[0].data)
    assert record["reason"] == "retry_window_over" and "http 503" in record["detail"]
    assert record["subject"].endswith("/cohort")
    assert json.loads(record["body_text"])["data"]["scope"]["country"] == "COM"


async def test_an_unsubscribed_contact_gets_no_more_reports(js, nats_url, database_url, tmp_path):
    from cohort_notification.reportmail import unsubscribe_token

    s = settings(
        nats_url,
        database_url,
        free_port(),
        subscriptions_registry=str(registry(tmp_path / "registry.yaml", free_port())),
    )
    notification = Service(s)
    runtime = await notification.start()
    try:
        token = unsubscribe_token(s.unsubscribe_secret, "ministry:NER", EN)
        transport = httpx.ASGITransport(app=runtime.http_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notification") as http:
            assert (
                await http.get("/notifications/unsubscribe", params={"token": "x.y"})
            ).status_code == 404
            ok = await http.get("/notifications/unsubscribe", params={"token": token})
            assert ok.status_code == 200
        # The reporting service is not running: publish the summaries as it would.
        report = report_event("reports.country.NER.session_summary", {"country": "NER"})
        await publish_raw(
            js, "reports.country.NER.session_summary", json.dumps(report).encode(), report["id"]
        )
        com = report_event("reports.country.COM.session_summary", {"country": "COM"})
        await publish_raw(
            js, "reports.country.COM.session_summary", json.dumps(com).encode(), com["id"]
        )

        async def handled() -> Any:
            info = await js.consumer_info("REPORTS", "notification-reports")
            return info if info.ack_floor.stream_seq == 2 and not info.num_ack_pending else None

        await eventually(handled, timeout=60)  # both reports applied
        rows = [r for r in await notification_rows(database_url) if r["channel"] == "email"]
    finally:
        await notification.stop()
    assert sorted(r["address"] for r in rows) == sorted([FR, AR])


def report_event(subject: str, scope: dict[str, str]) -> dict[str, Any]:
    from tests.unit.test_report_contract import event, figures

    e = event(figures())
    e["id"] = f"r-{subject}"
    e["data"]["scope"] = scope
    e["data"]["report_id"] = f"cohort:r-test-{subject}"
    return e


async def notification_rows(database_url: str) -> list[Any]:

    return await rows(
        database_url,
        "SELECT * FROM deliveries WHERE template = 'report_published' ORDER BY address",
    )
