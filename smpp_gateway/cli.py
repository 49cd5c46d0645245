"""The `smpp-gateway` command: argument parsing and logging set-up only; each subcommand calls one
function of the module that owns the work."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

DEFAULT_CONFIG = Path("config/gateway.yaml")
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, stream=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    from .runtime import run

    return run(args.config)


def _cmd_check_config(args: argparse.Namespace) -> int:
    from .config import ConfigError, load

    try:
        config = load(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    print(
        f"{args.config}: ok ({len(config.accounts)} accounts, {len(config.carriers)} carriers, "
        f"{len(config.routes)} routes)"
    )
    return 0


def _cmd_hash_password(args: argparse.Namespace) -> int:
    from .accounts import hash_password

    password = args.password if args.password is not None else getpass.getpass("Password: ")
    if not 1 <= len(password) <= 8:
        print("an SMPP 3.4 password holds 1 to 8 characters", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def _print_report(produce: Callable[[], str]) -> int:
    from .reports import ReportError

    try:
        text = produce()
    except ReportError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    print(text)
    return 0


def _cmd_routes_explain(args: argparse.Namespace) -> int:
    from .message import MessageClass
    from .reports import explain_routes

    message_class = MessageClass(args.message_class) if args.message_class else None
    return _print_report(
        lambda: explain_routes(
            args.config,
            account=args.account,
            to=args.to,
            sender=args.sender,
            message_class=message_class,
            fmt=args.format,
        )
    )


def _cmd_report_routes(args: argparse.Namespace) -> int:
    from .reports import report_routes

    return _print_report(
        lambda: report_routes(
            args.config, since=args.since, fmt=args.format, include_probes=args.include_probes
        )
    )


def _cmd_report_messages(args: argparse.Namespace) -> int:
    from .reports import report_message

    return _print_report(lambda: report_message(args.config, gateway_id=args.id, fmt=args.format))


def _add_report_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .message import MessageClass

    routes = sub.add_parser("routes", help="route table tools").add_subparsers(
        dest="routes_command", required=True
    )
    explain = routes.add_parser("explain", help="which routes a message would be tried on, in order, and why")
    explain.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    explain.add_argument("--account", required=True, help="the client's system_id")
    explain.add_argument("--to", required=True, help="destination number (E.164 or national)")
    explain.add_argument("--from", dest="sender", required=True, help="sender ID as the client sends it")
    explain.add_argument("--class", dest="message_class", choices=[c.value for c in MessageClass])
    explain.add_argument("--format", choices=["text", "json"], default="text")
    explain.set_defaults(handler=_cmd_routes_explain)

    report = sub.add_parser("report", help="reports from the store (safe while the gateway runs)")
    reports = report.add_subparsers(dest="report_command", required=True)
    by_route = reports.add_parser("routes", help="per-route KPIs over a window")
    by_route.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    by_route.add_argument("--since", default="1h", help="window up to now: 30m, 1h, 2d (default 1h)")
    by_route.add_argument("--format", choices=["table", "json", "csv"], default="table")
    by_route.add_argument("--include-probes", action="store_true", help="count route-test probes too")
    by_route.set_defaults(handler=_cmd_report_routes)
    story = reports.add_parser("messages", help="one message's full story")
    story.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    story.add_argument("--id", required=True, help="the gateway's message_id")
    story.add_argument("--format", choices=["text", "json"], default="text")
    story.set_defaults(handler=_cmd_report_messages)
    _add_route_test_commands(sub, reports)


def _cmd_probe(args: argparse.Namespace) -> int:
    from .reports import ReportError
    from .routetest.cli import run_probe

    try:
        return run_probe(
            args.config,
            args.route,
            count=args.count,
            timeout=args.timeout,
            fmt=args.format,
            url=args.url,
            out=sys.stdout,
        )
    except ReportError as error:
        print(error, file=sys.stderr)
        return error.exit_code


def _cmd_optout(args: argparse.Namespace) -> int:
    from .optouts import run_optout
    from .reports import ReportError
    from .reports.common import load_config
    from .routetest.cli import gateway_url

    try:
        config = load_config(args.config)
        body = {"number": args.number, "account": args.account, "sender": args.sender}
        return run_optout(
            args.action, args.url or gateway_url(config), config.http.api_token, body, sys.stdout
        )
    except ReportError as error:
        print(error, file=sys.stderr)
        return error.exit_code


def _cmd_report_probes(args: argparse.Namespace) -> int:
    from .routetest.cli import report_probes

    return _print_report(lambda: report_probes(args.config, since=args.since, fmt=args.format))


def _add_route_test_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    reports: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    probe = sub.add_parser(
        "probe", help="send probes through one route on the running gateway (HTTP API) and print verdicts"
    )
    probe.add_argument("--route", required=True, help="a route with a plan in route_tests.plans")
    probe.add_argument("--count", type=int, help="probes (default: each sender x text of the plan once)")
    probe.add_argument("--timeout", type=float, help="seconds to wait (default: until the probes' deadline)")
    probe.add_argument("--format", choices=["text", "json"], default="text", help="json: one object per line")
    probe.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    probe.add_argument("--url", help="the running gateway's HTTP URL (default: http.host and http.port)")
    probe.set_defaults(handler=_cmd_probe)
    scorecards = reports.add_parser("probes", help="route scorecards from route-testing probes over a window")
    scorecards.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    scorecards.add_argument("--since", default="1h", help="window up to now: 30m, 1h, 2d (default 1h)")
    scorecards.add_argument("--format", choices=["table", "json", "csv"], default="table")
    scorecards.set_defaults(handler=_cmd_report_probes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smpp-gateway", description=__doc__)
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the gateway in the foreground")
    run.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    run.set_defaults(handler=_cmd_run)

    check = sub.add_parser("check-config", help="validate a gateway.yaml and exit")
    check.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    check.set_defaults(handler=_cmd_check_config)

    optout = sub.add_parser("optout", help="manage opt-out lists on the running gateway (HTTP API)")
    optout.add_argument("action", choices=["add", "remove", "list"])
    optout.add_argument("--number", help="the recipient, E.164 (add, remove)")
    optout.add_argument("--account", help="the account the opt-out applies to")
    optout.add_argument("--sender", help="one sender only (default: every sender of the account)")
    optout.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    optout.add_argument("--url", help="the running gateway's HTTP URL (default: http.host and http.port)")
    optout.set_defaults(handler=_cmd_optout)

    hasher = sub.add_parser("hash-password", help="print an argon2 hash for an account's password")
    hasher.add_argument("password", nargs="?", help="the password (prompted for when omitted)")
    hasher.set_defaults(handler=_cmd_hash_password)

    _add_report_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.log_level)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
