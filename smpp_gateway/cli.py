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

    hasher = sub.add_parser("hash-password", help="print an argon2 hash for an account's password")
    hasher.add_argument("password", nargs="?", help="the password (prompted for when omitted)")
    hasher.set_defaults(handler=_cmd_hash_password)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.log_level)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
