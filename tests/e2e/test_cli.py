"""The `cohort` command as a user runs it: separate processes, real servers."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import psutil
import pytest
from cohort_cli.embedded import free_port
from cohort_cli.publishing import publish_lines

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
    ]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "all services ready" in out
    assert "published" in out and "cohort |   rejected" not in out
    assert "enrolment.confirmed (enrolment.confirmed.v1)" in out
    assert "did not stop" not in out
    assert "stopped: services, PostgreSQL and NATS" in out
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
