"""schemathesis against every service's OpenAPI document: no server errors. (`make fuzz`)

The whole network runs as `cohort up` does (separate processes, real NATS and
PostgreSQL), with the sample trainings published so the APIs have data behind them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from cohort_cli.embedded import free_port
from hypothesis import HealthCheck, given, settings

from bench.network import _base_port

pytestmark = pytest.mark.fuzz
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("enrolment", "certification", "notification", "reporting")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    base = _base_port()
    nats_port = free_port()
    args = [
        sys.executable,
        "-m",
        "cohort_cli.main",
        "up",
        "--data-dir",
        str(tmp_path_factory.mktemp("net")),
        "--nats-port",
        str(nats_port),
        "--pg-port",
        str(free_port()),
        "--http-port-base",
        str(base),
        "--smtp-port",
        str(free_port()),
    ]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        for i in range(4):
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{base + i}/readyz", timeout=1).is_success:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "network not ready"
                time.sleep(0.3)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cohort_cli.main",
                "publish",
                "--nats-url",
                f"nats://127.0.0.1:{nats_port}",
                str(ROOT / "examples"),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        time.sleep(5)  # let the services apply some of it
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


@pytest.mark.parametrize("index", range(4), ids=SERVICES)
def test_no_api_operation_answers_with_a_server_error(network, index):
    schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{network + index}/openapi.json")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(timeout=30)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: {response.text[:200]}"
                )

        check()
    assert failures == []
