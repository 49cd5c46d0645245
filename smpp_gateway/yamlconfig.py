"""Loading a YAML configuration into a pydantic model, with errors that name the file, the path
inside it and the problem, one line per problem (``gw.yaml: accounts.0.window: Input should be ...``).

A leaf module: the gateway's config and the simulators' config both use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration that cannot be used; the message lists every problem found."""


def parse_model(model: type[M], data: Any, source: str) -> M:
    """Validate an already-parsed YAML document (an empty document is an empty mapping)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe(source, error)) from None


def load_model(model: type[M], path: str | Path) -> M:
    """Read, parse and validate a YAML file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{source}: cannot read: {error.strerror or error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: invalid YAML: {error}") from None
    return parse_model(model, data, source)


def describe(source: str, error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"{source}: {location}: {problem['msg']}")
    return "\n".join(lines)
