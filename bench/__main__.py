"""`make bench`: the network's speed and memory, each figure beside a baseline of the same run.

1. Baseline: a trivial FastStream JetStream pull handler (bench/baseline.py).
2. Enrolment decisions per second, one replica, as a ratio to the baseline (target >= 1.0).
3. The whole network (`cohort up`): time to ready (target <= 10 s), idle RSS per service
   (target <= 120 MB).
4. The full chain at rising load (bench/chain.py): throughput and p50/p95/p99, and the p99
   at a quarter of the highest rate the network kept up with (target <= 100 ms), the highest
   rate kept up (target >= 200/s).
Writes bench/results/bench-<time>.json (and bench-latest.json) and a PNG of latency
against offered load, beside the run before issue 18 (bench/baselines/chain-20261125.json).
The other figures have benches of their own: see docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from cohort_kit.logs import configure_logging

from .chain import run_chain
from .common import RESULTS, baseline, embedded_servers, say, write_result
from .enrolment.__main__ import run_enrolment
from .network import service_rss_mb, start_network


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("bench", "console", "warning")
    result: dict[str, Any] = {
        "targets": {
            "enrolment_ratio_min": 1.0,
            "chain_max_rate_kept_up_min": 200,
            "chain_p99_ms_at_quarter_max": 100,
            "idle_rss_mb_max": 120,
            "up_to_ready_s_max": 10,
        }
    }
    body = json.dumps({"specversion": "1.0", "data": {"x": "y" * 400}}).encode()
    with embedded_servers() as servers:
        result["baseline"] = await baseline(servers, args.messages, body)
        say(f"enrolment: {args.messages} requests, one replica")
        result["enrolment"] = await run_enrolment(
            servers.nats_url, servers.admin_dsn, args.messages, 100
        )
        ratio = result["enrolment"]["per_second"] / result["baseline"]["per_second"]
        result["enrolment_ratio"] = round(ratio, 3)
        say(f"  {result['enrolment']['per_second']}/s, ratio to baseline {ratio:.2f}")
    say("network: `cohort up` until every service answers /readyz")
    stack, ready_s = await start_network()
    try:
        await asyncio.sleep(3)
        idle = service_rss_mb(stack)
        result["network"] = {"up_to_ready_s": round(ready_s, 2), "idle_rss_mb": idle}
        say(f"  ready in {ready_s:.2f}s; idle RSS MB {idle}")
        levels = [float(x) for x in args.levels.split(",")]
        result["chain"] = await run_chain(stack, levels, args.seconds)
    finally:
        await stack.stop()
    result["chain_summary"] = summarise(result["chain"])
    say(f"chain: {result['chain_summary']}")
    path = write_result("bench", result)
    plot(result["chain"], RESULTS / "bench-latency.png")
    say(f"wrote {path} and {RESULTS / 'bench-latency.png'}")
    return result


def summarise(levels: list[dict[str, Any]]) -> dict[str, Any]:
    kept = [
        lv
        for lv in levels
        if lv["completed"] == lv["requests"] and lv["achieved_per_s"] >= 0.8 * lv["offered_per_s"]
    ]
    if not kept:
        return {"max_rate_kept_up": 0}
    top = max(lv["offered_per_s"] for lv in kept)
    quarter = min(kept, key=lambda lv: abs(lv["offered_per_s"] - top / 4))
    return {
        "max_rate_kept_up": top,
        "quarter_rate": quarter["offered_per_s"],
        "chain_p99_ms_at_quarter": quarter["chain"]["p99_ms"],
    }


BEFORE = Path(__file__).parent / "baselines" / "chain-20261125.json"


def plot(levels: list[dict[str, Any]], path: Path) -> None:
    """Chain p50/p99 against offered load: this run (solid) and the run before (dashed)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("matplotlib missing: no plot")
        return
    before = json.loads(BEFORE.read_text())["levels"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for runs, style, when in ((levels, "-", "now"), (before, "--", "2026-11-25")):
        x = [lv["offered_per_s"] for lv in runs]
        for key, colour in (("p50_ms", "tab:blue"), ("p99_ms", "tab:red")):
            y = [lv["chain"].get(key) for lv in runs]
            ax.plot(x, y, style, color=colour, marker="o", label=f"chain {key[:3]}, {when}")
    ax.axhline(100, color="grey", lw=0.8, ls=":", label="100 ms")
    ax.set_xlabel("offered load (enrolment requests per second)")
    ax.set_ylabel("latency (ms)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title("Cohort full chain: intake -> decision -> e-mail + report")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def cli() -> None:
    p = argparse.ArgumentParser(prog="bench")
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--levels", default="10,20,40,80,160,240,320", help="offered loads, requests/s")
    p.add_argument("--seconds", type=float, default=8.0, help="duration of each load level")
    asyncio.run(main(p.parse_args()))


if __name__ == "__main__":
    cli()
