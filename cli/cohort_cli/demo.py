"""`cohort demo`: publish the sample trainings and show what the network made of them."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import nats
from cohort_contracts.streams import CONSUMERS, STREAMS
from nats.js.errors import NotFoundError

from .mailsink import MailSink
from .publishing import publish_lines, read_lines
from .stack import say

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def run_demo(
    nats_url: str,
    examples: Path,
    mail: MailSink | None = None,
    reports_dir: Path | None = None,
) -> None:
    say(f"publishing the sample trainings from {examples}")
    report = await publish_lines(nats_url, read_lines([examples]))
    say(f"published {report.published} events ({report.duplicates} already there)")
    for rejection in report.rejected:
        say(f"  rejected {rejection}")
    await wait_quiet(nats_url)
    await print_summary(nats_url)
    if reports_dir is not None:
        n = await save_reports(nats_url, reports_dir)
        say(f"reports published: {n} (kept in {reports_dir})")
    if mail is not None:
        await wait_mail_settled(mail)
        say(f"e-mails accepted by the local SMTP catcher: {mail.received} (in {mail.folder})")


async def wait_mail_settled(
    mail: MailSink, quiet_seconds: float = 3.0, timeout: float = 60
) -> None:
    """The delivery worker sends after the events are applied: wait until mail stops coming."""
    last, since, started = -1, time.monotonic(), time.monotonic()
    while time.monotonic() - started < timeout:
        if mail.received != last:
            last, since = mail.received, time.monotonic()
        elif time.monotonic() - since >= quiet_seconds:
            return
        await asyncio.sleep(0.25)


async def wait_quiet(nats_url: str, timeout: float = 90.0) -> None:
    """Wait until every consumer has caught up (progress printed every few seconds)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    started = last_print = time.monotonic()
    quiet_since: float | None = None
    try:
        while time.monotonic() - started < timeout:
            pending = 0
            for c in CONSUMERS:
                info = await js.consumer_info(c.stream, c.durable)
                pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
            now = time.monotonic()
            if pending == 0:
                quiet_since = quiet_since or now
                # Reporting publishes a session summary once its inputs have been quiet
                # for COHORT_SUMMARY_QUIET_SECONDS (5 s): wait a little longer than that.
                if now - quiet_since > 7.0:
                    return
            else:
                quiet_since = None
            if now - last_print > 3:
                say(f"  processing... {pending} messages still pending")
                last_print = now
            await asyncio.sleep(0.25)
        say(f"still busy after {timeout:.0f}s; showing what is done so far")
    finally:
        await nc.drain()


async def save_reports(nats_url: str, directory: Path) -> int:
    """Every report on REPORTS as `<report_id>.json` (the whole event), for a reader to see."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        # Reporting publishes a session's summary once its inputs have been quiet for a
        # while: give it up to a minute, until the count stops changing.
        last, stable, waited = -1, 0.0, 0.0
        while waited < 60 and (last <= 0 or stable < 5):
            n = (await js.stream_info("REPORTS")).state.messages
            stable = stable + 1 if n == last else 0.0
            last = n
            await asyncio.sleep(1)
            waited += 1
        info = await js.stream_info("REPORTS")
        saved = 0
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            body = json.loads((await js.get_msg("REPORTS", seq)).data or b"{}")
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(body.get("data", {}).get("report_id", seq)))
            (directory / f"{name}.json").write_text(json.dumps(body, indent=2) + "\n")
            saved += 1
        return saved
    finally:
        await nc.drain()


async def print_summary(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        say("what happened (messages per subject and type):")
        for spec in STREAMS:
            info = await js.stream_info(spec.name)
            counts: Counter[str] = Counter()
            reasons: Counter[str] = Counter()
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                if info.state.messages == 0:
                    break
                try:
                    msg = await js.get_msg(spec.name, seq)
                except NotFoundError:  # securely deleted by an erasure (its record says why)
                    counts["(erased: see the PRIVACY stream's redaction records)"] += 1
                    continue
                body = json.loads(msg.data or b"{}")
                counts[f"{msg.subject} ({body.get('type', body.get('reason', '?'))})"] += 1
                if spec.name == "ENROLMENT" and "reason" in body.get("data", {}):
                    reasons[body["data"]["reason"]] += 1
            say(f"  {spec.name}: {info.state.messages} messages")
            for key, n in sorted(counts.items()):
                say(f"    {n:>5}  {key}")
            for reason, n in sorted(reasons.items()):
                say(f"           reason {reason}: {n}")
    finally:
        await nc.drain()


async def show_access(stack: Any, data_dir: str) -> None:
    """End of the demo: how a ministry reads its own reports, over HTTP and NATS."""
    import httpx

    dd = "" if data_dir == ".cohort" else f" --data-dir {data_dir}"
    port = stack.http_port("reporting")
    url = f"http://127.0.0.1:{port}/reports"
    own = {"Authorization": f"Bearer {stack.token('ministry:NER')}"}
    async with httpx.AsyncClient(timeout=30, headers=own) as client:
        mine = await client.get(url, params={"scope": "country:NER"})
        other = await client.get(url, params={"scope": "country:COM"})
    trained = mine.json()["figures"]["participants"]["trained"] if mine.is_success else "?"
    say("a ministry reads its own reports, and only those (here Niger's):")
    say(f"  GET /reports?scope=country:NER -> {mine.status_code} ({trained} trained)")
    say(f"  GET /reports?scope=country:COM -> {other.status_code} (another country's)")
    say("  over HTTP, with a token of the local issuer:")
    say(
        f'    curl -H "Authorization: Bearer $(cohort token ministry:NER{dd})" '
        f"'{url}?scope=country:NER'"
    )
    say(f"  in a browser: http://127.0.0.1:{port}/dashboard (sign in as Niger, ministry:NER)")
    say("  over NATS, with the ministry's own user (its account receives only Niger's):")
    say(f"    nats sub --server \"$(cohort creds ministry:NER{dd})\" 'reports.country.NER.>'")
