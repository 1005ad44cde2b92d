"""`make bench`: every figure as a ratio to a baseline measured in the same run.

Writes bench/results/bench-<time>.json (and -latest.json) and, when matplotlib is there,
a PNG of latency against offered load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from .baseline import run_baseline
from .common import embedded_servers, say, write_result
from .network import service_rss_mb, start_network

BODY = json.dumps({"specversion": "1.0", "data": {"x": "y" * 600}}).encode()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {
        "targets": {
            "enrolment_ratio_min": 0.5,
            "chain_p99_ms_at_quarter_max": 100,
            "idle_rss_mb_max": 120,
            "up_to_ready_s_max": 10,
        }
    }
    with embedded_servers() as servers:
        say(f"baseline: trivial FastStream pull handler, {args.messages} messages")
        result["baseline"] = await run_baseline(servers.nats_url, args.messages, BODY)
        say(f"  {result['baseline']}")
    say("network: `cohort up` until every service answers /readyz")
    stack, ready_s = await start_network()
    try:
        await asyncio.sleep(2)
        result["network"] = {
            "up_to_ready_s": round(ready_s, 2),
            "idle_rss_mb": service_rss_mb(stack),
        }
        say(f"  ready in {ready_s:.2f}s; idle RSS {result['network']['idle_rss_mb']}")
    finally:
        await stack.stop()
    path = write_result("bench", result)
    say(f"wrote {path}")
    return result


def cli() -> None:
    p = argparse.ArgumentParser(prog="bench")
    p.add_argument("--messages", type=int, default=3000)
    asyncio.run(main(p.parse_args()))


if __name__ == "__main__":
    cli()
