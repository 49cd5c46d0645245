"""The verdict logic of route testing is pure: no asyncio, no I/O, no clock reads (docs/route-testing.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PURE = ("codes", "textdiff", "verdicts", "matching", "scorecard")
PACKAGE = Path(__file__).resolve().parents[3] / "smpp_gateway" / "routetest"
FORBIDDEN = {"asyncio", "time", "socket", "sqlite3", "aiohttp", "threading", "datetime"}


@pytest.mark.parametrize("name", PURE)
def test_pure_module_imports_nothing_with_io_or_a_clock(name: str) -> None:
    tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            assert node.module in PURE, f"{name} imports routetest.{node.module}, which is not pure"
    assert imported & FORBIDDEN == set()
