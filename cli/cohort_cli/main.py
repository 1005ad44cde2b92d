"""The `cohort` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from cohort_kit.logs import configure_logging

from .stack import Stack, StackOptions, say


def _stack_options(args: argparse.Namespace, quiet: bool = False) -> StackOptions:
    return StackOptions(
        # Absolute before it reaches any child: PostgreSQL resolves a relative socket
        # directory from inside its own data directory.
        data_dir=Path(args.data_dir).expanduser().resolve(),
        nats_port=args.nats_port,
        pg_port=args.pg_port,
        http_port_base=args.http_port_base,
        smtp_port=args.smtp_port,
        quiet=quiet,
        issuer_port=args.issuer_port,
    )


async def _run_stack(options: StackOptions, then: object = None, exit_after: bool = False) -> int:
    """Start the stack, run `then`, and keep it up until Ctrl-C/SIGTERM (or `exit_after`).

    A signal at any moment, also while starting or during the demo, stops everything that
    was started: nothing is left running.
    """
    stack = Stack(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def work() -> None:
        await stack.start()
        if then is not None:
            await then(stack)  # type: ignore[operator]
        if not exit_after:
            say("running; press Ctrl-C to stop")
            await stop.wait()

    code = 0
    task = asyncio.ensure_future(work())
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            say("stopping (signal received)")
            task.cancel()
            code = 130
        with contextlib.suppress(asyncio.CancelledError):
            await task
    except Exception as exc:
        say(f"error: {exc}")
        code = 1
    finally:
        stopper.cancel()
        await stack.stop()
    return code


def cmd_up(args: argparse.Namespace) -> int:
    return asyncio.run(_run_stack(_stack_options(args)))


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    async def then(stack: Stack) -> None:
        from .demo import show_access

        await run_demo(
            stack.nats_url, Path(args.examples), stack.mail, Path(args.data_dir) / "reports"
        )
        await show_access(stack, args.data_dir)
        from .privacy import demo_erasure

        await demo_erasure(stack.nats_url, "iom", "iom:p-com-0033")  # the worker at work

    return asyncio.run(_run_stack(_stack_options(args, quiet=True), then, args.exit))


def cmd_publish(args: argparse.Namespace) -> int:
    from .publishing import post_lines, publish_lines, read_lines

    lines = read_lines(Path(p) for p in args.files)
    if args.http:
        report = asyncio.run(post_lines(args.http, args.token, lines, args.batch))
    else:
        report = asyncio.run(publish_lines(args.nats_url, lines))
    for rejection in report.rejected:
        print(f"rejected {rejection}", file=sys.stderr)
    print(
        f"published {report.published}, duplicates {report.duplicates}, "
        f"rejected {len(report.rejected)}"
    )
    return 1 if report.rejected else 0


def cmd_deadletters(args: argparse.Namespace) -> int:
    from .deadletters import Filters, command

    filters = Filters(
        service=args.service,
        reason=args.reason,
        agency=args.agency,
        since=args.since,
        until=args.until,
        seqs=tuple(args.seqs),
    )
    return asyncio.run(command(args.nats_url, args.action, filters, args.by, args.dry_run))


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


def cmd_token(args: argparse.Namespace) -> int:
    from .devissuer import request_token

    try:
        print(request_token(Path(args.data_dir) / "issuer", args.org))
    except (OSError, RuntimeError) as exc:
        print(f"no token for {args.org}: {exc} (is `cohort up` running?)", file=sys.stderr)
        return 1
    return 0


def cmd_creds(args: argparse.Namespace) -> int:
    from .credentials import nats_credentials

    try:
        lines = nats_credentials(Path(args.data_dir), args.org)
    except (OSError, KeyError, ValueError) as exc:
        print(f"no credentials for {args.org}: {exc} (is `cohort up` running?)", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_realm(args: argparse.Namespace) -> int:
    import json

    from cohort_kit.auth import Registry

    from .keycloak import realm

    document = realm(Registry.load(args.file), args.name, dashboard_url=args.dashboard_url)
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {args.out}: realm {args.name}, {len(document['clients'])} clients")
    return 0


def cmd_secrets(args: argparse.Namespace) -> int:
    from .secretfiles import ensure

    names = ensure(Path(args.out))
    print(f"secrets in {args.out}: {', '.join(sorted(names))} (kept; delete one to renew it)")
    return 0


def cmd_contracts_export(args: argparse.Namespace) -> int:
    from cohort_contracts.export import export
    from cohort_kit.reactions import write_reactions

    from .services import SERVICES, definition

    rows = write_reactions(Path(args.dir), [definition(s) for s in SERVICES])
    written = export(Path(args.dir), reactions=rows)
    print(f"wrote {len(written) if written is not None else 'the'} files to {args.dir}")
    return 0


def cmd_privacy_worker(args: argparse.Namespace) -> int:
    from .privacy import run_worker

    asyncio.run(run_worker(args.nats_url))
    return 0


def cmd_privacy_export(args: argparse.Namespace) -> int:
    import json

    from .privacy import export, service_urls

    token = args.token
    if token is None:  # against `cohort up`: the development issuer's token for the agency
        from .devissuer import request_token

        token = request_token(Path(args.data_dir) / "issuer", f"agency:{args.agency}")
    doc = asyncio.run(export(args.agency, args.participant, service_urls(args.service), token))
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    return 0


def cmd_privacy_sweep(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from .privacy import load_retention, sweep

    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    asked = asyncio.run(sweep(args.nats_url, load_retention(Path(args.retention)), now))
    for d in asked:
        print(f"{d.agency} {d.participant_id}: {d.record_type} expired")
    print(f"requested erasure of {len(asked)} participants (retention_expired)")
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
            help="enrolment, certification, notification, reporting, ingress get N, N+1, ..., N+4",
        )
        sp.add_argument("--smtp-port", type=int, default=11025, help="local mail catcher")
        sp.add_argument(
            "--issuer-port", type=int, default=18099, help="local development token issuer"
        )

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
    pub.add_argument("--http", metavar="URL", help="send through the ingress instead of NATS")
    pub.add_argument(
        "--token", default=os.environ.get("COHORT_TOKEN"), help="bearer token (or COHORT_TOKEN)"
    )
    pub.add_argument("--batch", type=int, default=100, help="events per request with --http")
    pub.set_defaults(func=cmd_publish)

    dl = sub.add_parser("deadletters", help="list, show and replay dead-letters")
    dl.add_argument("action", choices=["list", "show", "replay"])
    dl.add_argument("seqs", nargs="*", type=int, help="DEADLETTER sequences")
    dl.add_argument("--nats-url", default="nats://127.0.0.1:14222")
    dl.add_argument("--service", help="e.g. enrolment")
    dl.add_argument("--reason", help="e.g. schema_violation")
    dl.add_argument("--agency", help="whose intake it was")
    dl.add_argument("--since", type=_aware_time, help="RFC 3339 time")
    dl.add_argument("--until", type=_aware_time, help="RFC 3339 time")
    dl.add_argument("--by", default=_operator(), help="who replays (recorded)")
    dl.add_argument("--dry-run", action="store_true", help="replay: only show what would go")
    dl.set_defaults(func=cmd_deadletters)

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

    rlm = sub.add_parser("realm", help="write a Keycloak realm import from an access file")
    rlm.add_argument("file", help="e.g. deploy/access.yaml")
    rlm.add_argument("--out", required=True, help="e.g. realm.json")
    rlm.add_argument("--name", default="cohort", help="realm name")
    rlm.add_argument(
        "--dashboard-url",
        default="http://127.0.0.1:18083/",
        help="where people open the dashboard (its sign-in client's redirect URI base)",
    )
    rlm.set_defaults(func=cmd_realm)

    tok = sub.add_parser("token", help="print a bearer token of ORG for the running stack")
    tok.add_argument("org", help="e.g. ministry:NER, agency:iom, donor:eu, ops")
    tok.add_argument("--data-dir", default=".cohort")
    tok.set_defaults(func=cmd_token)

    creds = sub.add_parser("creds", help="print the NATS URL of ORG's user for the running stack")
    creds.add_argument("org", help="e.g. ministry:NER, agency:iom, donor:eu, ops")
    creds.add_argument("--data-dir", default=".cohort")
    creds.set_defaults(func=cmd_creds)

    sec = sub.add_parser("secrets", help="generate the services' secrets for compose, once")
    sec.add_argument("--out", default="deploy/secrets", help="folder compose mounts secrets from")
    sec.set_defaults(func=cmd_secrets)

    contracts = sub.add_parser("contracts", help="contract tools")
    csub = contracts.add_subparsers(dest="contracts_command", required=True)
    exp = csub.add_parser("export", help="write JSON Schemas and the AsyncAPI document")
    exp.add_argument("dir")
    exp.set_defaults(func=cmd_contracts_export)

    privacy = sub.add_parser("privacy", help="erasure worker, access export, retention sweep")
    psub = privacy.add_subparsers(dest="privacy_command", required=True)
    pw = psub.add_parser("worker", help="redact the streams once every service has erased")
    # From the environment in compose and `cohort up`: the password stays off argv.
    pw.add_argument(
        "--nats-url", default=os.environ.get("COHORT_NATS_URL", "nats://127.0.0.1:14222")
    )
    pw.set_defaults(func=cmd_privacy_worker)
    pe = psub.add_parser("export", help="everything the network holds about one participant")
    pe.add_argument("--agency", required=True)
    pe.add_argument("--participant", required=True)
    pe.add_argument("--token", help="the agency's bearer token (default: from `cohort up`)")
    pe.add_argument("--data-dir", default=".cohort", help="of `cohort up`, for its token")
    pe.add_argument(
        "--service",
        action="append",
        default=[],
        help="name=base URL, once per service (e.g. enrolment=http://127.0.0.1:18080)",
    )
    pe.set_defaults(func=cmd_privacy_export)
    ps = psub.add_parser("sweep", help="publish retention_expired erasure requests")
    ps.add_argument("--nats-url", default="nats://127.0.0.1:14222")
    ps.add_argument(
        "--retention", required=True, help="YAML: {agency: {record type: days}} (operations.md)"
    )
    ps.add_argument("--now", help="RFC 3339 time to sweep as of (default: now)")
    ps.set_defaults(func=cmd_privacy_sweep)
    return p


def _aware_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


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
