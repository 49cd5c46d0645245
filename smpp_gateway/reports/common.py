"""What every report command shares: its error type, durations, the config and the store it reads.

Reports read the store named in gateway.yaml through their own read-only connection. SQLite in WAL
mode lets them run beside a live gateway: they see the last committed state and never block its
writer. A relative store path is taken from the current directory, as the gateway takes it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from ..config import ConfigError, GatewayConfig, load
from ..store import StoreError
from ..store.sqlite import SqliteStore

# Exit statuses of the report commands (cli.py returns them): 2 for anything the operator must fix
# in the command line, the config or the environment, like argparse; 1 for "asked about something
# that is not there", like grep.
USAGE_ERROR: Final = 2
NOT_FOUND: Final = 1

_UNITS: Final = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
# Retention is counted in days (StoreConfig.retention_days); a window of more than a few years is a
# typo, and its epoch arithmetic would leave the range datetime can print.
MAX_DURATION: Final = 5 * 366 * 86400.0


class ReportError(Exception):
    """A report that cannot be produced; the message says why, ``exit_code`` how cli.py exits."""

    def __init__(self, message: str, exit_code: int = USAGE_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_duration(text: str, option: str = "--since") -> float:
    """'30m', '1h', '2d', '45s', '1w' (also '1.5h') -> seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ReportError(f"{option}: {text!r} is not a duration like 30m, 1h, 2d (units s, m, h, d, w)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not 0 < seconds <= MAX_DURATION:
        raise ReportError(f"{option}: {text!r} must be more than 0 and at most 5 years")
    return seconds


def load_config(path: Path) -> GatewayConfig:
    try:
        return load(path)
    except ConfigError as error:
        raise ReportError(str(error)) from None


def open_store(config: GatewayConfig) -> SqliteStore:
    """The configured store, read-only. A missing file is an error, never an empty new store."""
    path = config.store.path
    if not path.is_file():
        raise ReportError(f"store {path}: no such file (store.path in the config; has the gateway run here?)")
    try:
        return SqliteStore(path, read_only=True)
    except StoreError as error:
        raise ReportError(f"store {path}: cannot read: {error}") from None


def iso(epoch: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with milliseconds (None stays None)."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
