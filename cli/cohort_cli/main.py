"""The `cohort` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from cohort_kit.logs import configure_logging

from .stack import Stack, StackOptions, say


def _stack_options(args: argparse.Namespace, quiet: bool = False) -> StackOptions:
    return StackOptions(
        data_dir=Path(args.data_dir),
        nats_port=args.nats_port,
        pg_port=args.pg_port,
        http_port_base=args.http_port_base,
        smtp_port=args.smtp_port,
        quiet=quiet,
    )


async def _run_stack(options: StackOptions, then: object = None, exit_after: bool = False) -> int:
    stack = Stack(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        await stack.start()
        if then is not None:
            await then(stack)  # type: ignore[operator]
        if not exit_after:
            say("running; press Ctrl-C to stop")
            await stop.wait()
    except Exception as exc:
        say(f"error: {exc}")
        code = 1
    finally:
        await stack.stop()
    return code


def cmd_up(args: argparse.Namespace) -> int:
    return asyncio.run(_run_stack(_stack_options(args)))


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    async def then(stack: Stack) -> None:
        await run_demo(
            stack.nats_url, Path(args.examples), stack.mail, Path(args.data_dir) / "reports"
        )

    return asyncio.run(_run_stack(_stack_options(args, quiet=True), then, args.exit))


def cmd_publish(args: argparse.Namespace) -> int:
    from .publishing import publish_lines, read_lines

    report = asyncio.run(publish_lines(args.nats_url, read_lines(Path(p) for p in args.files)))
    for rejection in report.rejected:
        print(f"rejected {rejection}", file=sys.stderr)
    print(
        f"published {report.published}, duplicates {report.duplicates}, "
        f"rejected {len(report.rejected)}"
    )
    return 1 if report.rejected else 0


def cmd_provision(args: argparse.Namespace) -> int:
    from cohort_contracts.streams import ConsumerSpec

    from .provisioning import provision_databases, provision_streams

    subscribers: tuple[ConsumerSpec, ...] = ()
    if args.access:
        from .access import load, subscriber_consumers

        subscribers = subscriber_consumers(load(Path(args.access)))

    async def go() -> None:
        for change in await provision_streams(args.nats_url, args.replicas, subscribers):
            print(change)
        if args.database_url:
            for change in await provision_databases(args.database_url):
                print(change)

    asyncio.run(go())
    print("provisioned")
    return 0


def cmd_access(args: argparse.Namespace) -> int:
    from .access import generate

    users = generate(Path(args.file), Path(args.out), cost=args.cost)
    print(f"wrote {args.out}/accounts.conf and passwords.env for {len(users)} users")
    return 0


def cmd_contracts_export(args: argparse.Namespace) -> int:
    from cohort_contracts.export import export

    written = export(Path(args.dir))
    print(f"wrote {len(written) if written is not None else 'the'} files to {args.dir}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cohort", description="Cohort event backbone.")
    sub = p.add_subparsers(dest="command", required=True)

    def stack_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data-dir", default=".cohort", help="where NATS and PostgreSQL keep data")
        sp.add_argument("--nats-port", type=int, default=14222)
        sp.add_argument("--pg-port", type=int, default=15432)
        sp.add_argument(
            "--http-port-base",
            type=int,
            default=18080,
            help="enrolment, certification, notification, reporting get N, N+1, N+2, N+3",
        )
        sp.add_argument("--smtp-port", type=int, default=11025, help="local mail catcher")

    up = sub.add_parser("up", help="run the whole network on embedded NATS and PostgreSQL")
    stack_args(up)
    up.set_defaults(func=cmd_up)

    demo = sub.add_parser("demo", help="run the network and publish the sample trainings")
    stack_args(demo)
    demo.add_argument("--exit", action="store_true", help="stop after showing the results")
    demo.add_argument("--examples", default=str(_examples_dir()), help="folder of *.jsonl")
    demo.set_defaults(func=cmd_demo)

    pub = sub.add_parser("publish", help="validate and publish CloudEvents (JSON lines)")
    pub.add_argument("files", nargs="+")
    pub.add_argument("--nats-url", default="nats://127.0.0.1:14222")
    pub.set_defaults(func=cmd_publish)

    prov = sub.add_parser("provision", help="create streams, consumers, databases, migrations")
    prov.add_argument("--nats-url", default="nats://127.0.0.1:14222")
    prov.add_argument("--database-url", help="admin DSN; omit to provision streams only")
    prov.add_argument(
        "--replicas", type=int, default=1, help="stream replicas (3 on a NATS cluster)"
    )
    prov.add_argument(
        "--access", help="access file: also each ministry's and donor's durable report consumer"
    )
    prov.set_defaults(func=cmd_provision)

    acc = sub.add_parser("access", help="generate NATS accounts and users from an access file")
    acc.add_argument("file", help="e.g. deploy/access.yaml")
    acc.add_argument("--out", required=True, help="folder for accounts.conf and passwords.env")
    acc.add_argument("--cost", type=int, default=11, help="bcrypt cost")
    acc.set_defaults(func=cmd_access)

    contracts = sub.add_parser("contracts", help="contract tools")
    csub = contracts.add_subparsers(dest="contracts_command", required=True)
    exp = csub.add_parser("export", help="write JSON Schemas and the AsyncAPI document")
    exp.add_argument("dir")
    exp.set_defaults(func=cmd_contracts_export)
    return p


def _examples_dir() -> Path:
    from .demo import EXAMPLES

    return EXAMPLES


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging("cohort", "console", "warning")
    with contextlib.suppress(KeyboardInterrupt):
        return int(args.func(args))
    return 130


if __name__ == "__main__":
    sys.exit(main())
