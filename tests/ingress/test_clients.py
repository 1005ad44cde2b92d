"""The README's Python example and `cohort publish --http`, against an ingress on a real
loopback port: an agency with a token and a plain HTTP client publishes a whole training."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from cohort_cli.embedded import free_port

from tests import auth
from tests.harness import eventually
from tests.ingress.conftest import intake_ids
from tests.ingress.test_feedback import cohort

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_LINES = {
    str(p): p.read_text().splitlines() for p in sorted((ROOT / "examples").glob("0[12]-*.jsonl"))
}


@pytest.fixture
async def base_url(ingress) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        ingress.http_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    await eventually(lambda: _started(server), timeout=20)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def _started(server: uvicorn.Server) -> bool:
    return server.started


def readme_python() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"```python\n(import json, os, time, httpx\n.*?)```", text, re.S)
    assert match, "the README's Python example is gone"
    return match.group(1)


async def test_the_readme_example_publishes_a_whole_training(js, base_url, monkeypatch, capsys):
    monkeypatch.setenv("TOKEN", auth.token("agency:iom"))
    monkeypatch.setenv("INGRESS", base_url)
    monkeypatch.chdir(ROOT)
    await asyncio.to_thread(exec, readme_python(), {})
    lines = EXAMPLE_LINES[str(ROOT / "examples" / "01-moroni-emm2.jsonl")]
    assert len(await intake_ids(js)) == len(lines) > 100
    assert capsys.readouterr().out == ""  # no rejection printed


async def test_cohort_publish_http_sends_through_the_ingress(js, base_url, capsys):
    example = str(ROOT / "examples" / "02-dakar-tot.jsonl")
    count = len(EXAMPLE_LINES[example])
    token = auth.token("agency:iom")
    argv = ["publish", "--http", base_url, "--token", token, "--batch", "50", example]
    assert await cohort(*argv) == 0
    assert f"published {count}, duplicates 0, rejected 0" in capsys.readouterr().out
    assert len(await intake_ids(js)) == count
    assert await cohort(*argv) == 0
    assert f"published 0, duplicates {count}" in capsys.readouterr().out
    wrong = ["publish", "--http", base_url, "--token", auth.token("agency:icmpd"), example]
    assert await cohort(*wrong) == 1
    assert "agency_mismatch" in capsys.readouterr().err
