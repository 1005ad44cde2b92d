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
from cohort_cli.credentials import nats_credentials
from cohort_cli.devissuer import request_token
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
        "--issuer-port",
        str(free_port()),
    ]
    data_dir = Path(args[args.index("--data-dir") + 1])
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (data_dir / "issuer" / "issuer.json").exists():
            assert proc.poll() is None, "cohort up ended"
            time.sleep(0.3)
        ops = {"Authorization": f"Bearer {token(data_dir, 'ops')}"}
        deadline = time.monotonic() + 120
        for i in range(4):
            while True:
                try:
                    url = f"http://127.0.0.1:{base + i}/readyz"
                    if httpx.get(url, timeout=1, headers=ops).is_success:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "network not ready"
                time.sleep(0.3)
        while not (data_dir / "stack.json").exists():  # written once all are ready
            assert proc.poll() is None and time.monotonic() < deadline, "network not ready"
            time.sleep(0.3)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cohort_cli.main",
                "publish",
                "--nats-url",
                nats_credentials(data_dir, "ops")[0],
                str(ROOT / "examples"),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        time.sleep(5)  # let the services apply some of it
        yield base, data_dir
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


# Callers with data in every service: the routes run their scoped queries, not only the 401s.
CALLERS = ("agency:iom", "ministry:NER", "ops")


@pytest.mark.parametrize("index", range(4), ids=SERVICES)
def test_no_api_operation_answers_with_a_server_error(network, index):
    base, data_dir = network
    tokens = [token(data_dir, org) for org in CALLERS]
    schema = schemathesis.openapi.from_url(f"http://127.0.0.1:{base + index}/openapi.json")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            bearer = tokens[hash(case.formatted_path) % len(tokens)]
            response = case.call(timeout=30, headers={"Authorization": f"Bearer {bearer}"})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: {response.text[:200]}"
                )

        check()
    assert failures == []


def token(data_dir: Path, org: str) -> str:
    return request_token(data_dir / "issuer", org)
