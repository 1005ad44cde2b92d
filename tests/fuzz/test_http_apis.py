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
from tests.certification import events

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


def deep_bodies() -> list[bytes]:
    return [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
        b'{"proof": {"verificationMethod": ' + b"[" * 5_000 + b"]" * 5_000 + b"}}",
    ]


@pytest.mark.parametrize("index", range(4), ids=SERVICES)
def test_deep_json_to_every_operation_with_a_body_is_refused_not_a_server_error(network, index):
    first_port, _ = network
    base = f"http://127.0.0.1:{first_port + index}"
    paths = httpx.get(f"{base}/openapi.json", timeout=10).json()["paths"]
    tried = []
    for path, operations in paths.items():
        for method in operations:
            if method not in ("post", "put", "patch"):
                continue
            url = base + path.replace("{", "").replace("}", "")  # any value for path params
            for body in deep_bodies():
                answer = httpx.request(
                    method,
                    url,
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=60,
                )
                tried.append(url)
                assert answer.status_code < 500, (method, path, answer.text[:200])
    if index == SERVICES.index("certification"):
        assert any(u.endswith("/verify") for u in tried)


@pytest.mark.parametrize("nodes", [6, 8, 10, 14])
def test_a_blank_node_clique_is_refused_while_certification_keeps_answering(network, nodes):
    import concurrent.futures

    first_port, _ = network
    base = f"http://127.0.0.1:{first_port + SERVICES.index('certification')}"
    httpx.get(f"{base}/status-lists/iom", timeout=30)  # publishes iom's configured key
    issuer = httpx.get(f"{base}/issuers/iom", timeout=30).json()
    hostile = events.blank_node_clique(issuer["id"], issuer["activeKey"], nodes)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        attacks = [
            pool.submit(httpx.post, f"{base}/verify", json=hostile, timeout=60) for _ in range(3)
        ]
        health = httpx.get(f"{base}/healthz", timeout=30)
        assert health.status_code == 200
        for attack in attacks:
            answer = attack.result()
            assert answer.status_code == 422, answer.text[:200]
            assert "too complex" in answer.json()["detail"]
