"""The `cohort` command as a user runs it: separate processes, real servers."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import psutil
import pytest
from cohort_cli.embedded import free_port
from cohort_cli.publishing import Bounds, publish_lines

from tests import factories

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


async def test_publish_reports_each_rejection_with_its_reason_and_sends_the_rest(js, nats_url):
    good = json.dumps(factories.participant("iom:p-cli"))
    bad_email = json.dumps(factories.participant("iom:p-bad", email="nope"))
    unknown = json.dumps(factories.envelope("course.exploded.v1", {}))
    lines = [("a:1", good), ("a:2", "{not json"), ("a:3", bad_email), ("a:4", unknown)]
    report = await publish_lines(nats_url, lines)
    assert report.published == 1
    reasons = [r.split(": ", 2)[1] for r in report.rejected]
    assert reasons == ["not_json", "schema_violation", "unknown_type"]
    assert (await js.stream_info("INTAKE")).state.messages == 1
    again = await publish_lines(nats_url, lines[:1])
    assert again.duplicates == 1 and again.published == 0


async def test_publish_refuses_too_deep_and_too_large_lines_as_the_consumers_do(js, nats_url):
    good = json.dumps(factories.participant("iom:p-cli-ok"))
    event = factories.participant("iom:p-cli-deep")
    deep = json.dumps(event)[:-1] + ', "x": ' + "[" * 10_000 + "]" * 10_000 + "}"
    large = json.dumps(
        factories.participant("iom:p-cli-big", position="x" * 400) | {"pad": "y" * 40_000}
    )
    lines = [("a:1", deep), ("a:2", large), ("a:3", good)]
    report = await publish_lines(nats_url, lines, Bounds(max_bytes=30_000, max_depth=64))
    reasons = [r.split(": ", 2)[1] for r in report.rejected]
    assert reasons == ["too_deep", "too_large"]
    assert report.published == 1
    assert (await js.stream_info("INTAKE")).state.messages == 1


def test_demo_runs_the_network_publishes_the_samples_and_leaves_nothing_running(tmp_path):
    data_dir = tmp_path / "demo"
    args = [
        sys.executable,
        "-m",
        "cohort_cli.main",
        "demo",
        "--exit",
        "--data-dir",
        str(data_dir),
        "--nats-port",
        str(free_port()),
        "--pg-port",
        str(free_port()),
        "--http-port-base",
        str(free_port()),
        "--issuer-port",
        str(free_port()),
        "--smtp-port",
        str(free_port()),
    ]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "all services ready" in out
    assert "published" in out and "cohort |   rejected" not in out
    assert "enrolment.confirmed (enrolment.confirmed.v1)" in out
    assert "did not stop" not in out
    assert "stopped: services, PostgreSQL, NATS and the token issuer" in out
    # The summary ends with a ministry reading its own reports, and not another country's.
    assert "GET /reports?scope=country:NER -> 200" in out
    assert "GET /reports?scope=country:COM -> 403" in out
    assert "cohort token ministry:NER" in out and "cohort creds ministry:NER" in out
    leftovers = [
        p.info["cmdline"]
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and any(str(data_dir) in part for part in p.info["cmdline"])
    ]
    assert leftovers == []
    # Issue 15: an outsider can check every published report against the exported schema.
    validator = report_validator()
    reports = [json.loads(p.read_text()) for p in sorted((data_dir / "reports").glob("*.json"))]
    assert reports, out[-2000:]
    for report in reports:
        validator.validate(report)
    unknown = copy.deepcopy(reports[0])
    unknown["data"]["figures"]["participants"]["trained_twice"] = 0
    assert not validator.is_valid(unknown)


def report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "contracts/schemas/report.published.v1.schema.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_cohort_token_and_creds_work_against_cohort_up(tmp_path):
    """What a newcomer does: `cohort up`, then a ministry's token over HTTP and its NATS
    user; both reach Niger's reports only."""
    import asyncio
    import signal
    import time

    import httpx

    data_dir = tmp_path / "up"
    from bench.network import _base_port

    nats_port, base = free_port(), _base_port()
    up = subprocess.Popen(
        [
            *[sys.executable, "-m", "cohort_cli.main", "up", "--data-dir", str(data_dir)],
            *["--nats-port", str(nats_port), "--pg-port", str(free_port())],
            *["--http-port-base", str(base), "--smtp-port", str(free_port())],
            *["--issuer-port", str(free_port())],
        ],
        cwd=ROOT,
        stdout=(tmp_path / "up.log").open("wb"),
        stderr=subprocess.STDOUT,
    )

    def cohort(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "cohort_cli.main", *args, "--data-dir", str(data_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        deadline = time.monotonic() + 180
        while not (data_dir / "stack.json").exists():  # written once every service is ready
            log = (tmp_path / "up.log").read_text(errors="replace")[-3000:]
            assert up.poll() is None and time.monotonic() < deadline, log
            time.sleep(0.5)
        token = cohort("token", "ministry:NER")
        assert token.count("\n") == 1 and token.count(".") == 2  # only a JWT
        url = cohort("creds", "ministry:NER").strip()
        assert url.startswith("nats://ministry-ner:") and url.endswith(f"@127.0.0.1:{nats_port}")
        iom = cohort("creds", "agency:iom").splitlines()
        assert iom[1] == "inbox_prefix=_INBOX_iom"
        reports = f"http://127.0.0.1:{base + 3}/reports"
        with httpx.Client(headers={"Authorization": f"Bearer {token.strip()}"}) as c:
            assert c.get(reports, params={"scope": "country:NER"}).status_code == 200
            assert c.get(reports, params={"scope": "country:COM"}).status_code == 403
        assert (httpx.get(reports, params={"scope": "country:NER"})).status_code == 401
        ops = cohort("token", "ops").strip()
        ready = httpx.get(
            f"http://127.0.0.1:{base}/readyz", headers={"Authorization": f"Bearer {ops}"}
        )
        assert ready.status_code == 200

        # NATS: the ministry's user hears Niger's reports and nothing of Comoros'.
        heard = asyncio.run(heard_by(url, cohort("creds", "ops").strip()))
        nats_log = (data_dir / "nats" / "nats.log").read_text(errors="replace")[-2000:]
        assert heard and set(heard) == {"reports.country.NER.test"}, nats_log
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(90)


async def heard_by(url: str, admin_url: str) -> list[str]:
    """Report subjects the user of `url` hears when Comoros' then Niger's are published."""
    import asyncio

    import nats

    async def refused(_: Exception) -> None:  # a denied subscription is reported, not raised
        pass

    ministry = await nats.connect(url, error_cb=refused)
    admin = await nats.connect(admin_url)
    heard: list[str] = []
    try:

        async def keep(msg: Any) -> None:
            heard.append(msg.subject)

        # Its own country's reports, and an attempt at Comoros' (denied, and not imported).
        await ministry.subscribe("reports.country.NER.>", cb=keep)
        await ministry.subscribe("reports.country.COM.>", cb=keep)
        await ministry.flush()
        for _ in range(100):  # one publisher, in order: once NER is heard, COM would be too
            await admin.publish("reports.country.COM.test", b"{}")
            await admin.publish("reports.country.NER.test", b"{}")
            await admin.flush()
            await asyncio.sleep(0.1)
            if heard:
                break
    finally:
        await ministry.close()
        await admin.close()
    return heard
