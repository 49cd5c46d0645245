"""The import rules of docs/architecture.md, enforced by reading the source with ast.

smpp/ imports only the standard library and reads no clock; checks, routing, message and accounts never
import transport or asyncio; the gateway never imports simulators.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "smpp_gateway"

CLOCK_CALLS = {"time.time", "time.monotonic", "time.perf_counter", "datetime.now", "datetime.utcnow"}
FORBIDDEN_IN_CORE = {"asyncio", "socket", "ssl", "time", "selectors", "threading", "logging.config"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _attribute_calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            value = node.func.value
            if isinstance(value, ast.Name):
                calls.add(f"{value.id}.{node.func.attr}")
    return calls


def _modules(*relative: str) -> list[Path]:
    paths: list[Path] = []
    for name in relative:
        target = PACKAGE / name
        paths.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")])
    return [path for path in paths if path.exists()]


CORE = _modules("smpp")
POLICY = _modules("checks", "message", "accounts", "routing")


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_imports_only_the_standard_library(path: Path) -> None:
    third_party = {name for name in _imports(path) if name.split(".")[0] not in sys.stdlib_module_names}
    assert third_party == set()
    assert _imports(path) & FORBIDDEN_IN_CORE == set()


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_reads_no_clock(path: Path) -> None:
    assert _attribute_calls(path) & CLOCK_CALLS == set()


@pytest.mark.parametrize("path", POLICY, ids=lambda p: p.name)
def test_policy_never_touches_io(path: Path) -> None:
    imported = _imports(path)
    assert not any(name == "asyncio" or name.startswith("smpp_gateway.transport") for name in imported)
    relative = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(relative):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            assert not (node.module or "").startswith("transport"), f"{path} imports transport"


def test_gateway_never_imports_simulators() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if any(name.split(".")[0] == "simulators" for name in _imports(path))
    ]
    assert offenders == []


def test_the_rules_see_the_core() -> None:
    # Guards against a refactor that moves files and silently empties the parametrised lists above.
    assert {path.name for path in CORE} >= {"constants.py", "errors.py", "pdu.py"}
    assert any(path.name == "message.py" for path in POLICY)
