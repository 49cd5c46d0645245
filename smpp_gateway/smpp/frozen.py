"""Fast construction of frozen, slotted dataclasses.

A frozen dataclass's generated ``__init__`` stores each field through ``object.__setattr__`` (its own
``__setattr__`` refuses): a call per field, about 0.3 us each, 9 us for a 28-field message record.
The gateway builds several such values per message (PDUs, records, decisions), so that cost matters.

The way round it: fill the object as an instance of a *mutable twin* (a subclass with the same slots
whose ``__setattr__`` is ``object``'s, so the stores are plain slot writes that CPython specialises),
then relabel it ``__class__ = cls``. CPython allows that between classes of identical layout, and the
result is an ordinary, frozen ``cls`` instance: equality, hashing, ``replace`` and pickling are the
dataclass's own.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T")

_TWINS: dict[type, type] = {}


def mutable_twin(cls: type[T]) -> type[T]:
    """A mutable subclass of the frozen, slotted ``cls`` with the same slots (one per class)."""
    twin = _TWINS.get(cls)
    if twin is None:
        # Both hooks are reset: tp_setattro serves __setattr__ and __delattr__, and CPython keeps the
        # plain C slot (and specialises stores) only when neither is a Python-level override.
        namespace = {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__}
        twin = _TWINS[cls] = type(f"_Mutable{cls.__name__}", (cls,), namespace)
    return twin


def fast_init(cls: type[T]) -> type[T]:
    """Class decorator, above ``@dataclass(frozen=True, slots=True)``: an ``__init__`` with the same
    signature that fills the object through its mutable twin (see the module docstring).

    Refused (TypeError) for what the compiled ``__init__`` does not reproduce: a ``__post_init__``,
    fields left out of ``__init__``, ``InitVar``s, and subclasses (they would inherit an ``__init__``
    that relabels them as ``cls``).
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: fast_init needs a frozen, slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: fast_init does not run __post_init__")
    all_fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # a dataclass: checked above
    parameters = list(inspect.signature(cls.__init__).parameters)[1:]  # InitVars are parameters only
    if parameters != [f.name for f in all_fields]:
        raise TypeError(f"{cls.__name__}: fast_init needs __init__ to take exactly the fields")
    namespace: dict[str, Any] = {
        "CLS": cls,
        "TWIN": mutable_twin(cls),
        "RELABEL": object.__setattr__,
        "NO_VALUE": _NO_VALUE,
    }
    positional: list[str] = []
    keyword: list[str] = []
    body = ['    RELABEL(self, "__class__", TWIN)']
    for f in all_fields:  # our own dataclasses' identifiers: safe to compile
        name = f.name
        if f.default is not dataclasses.MISSING:
            namespace[f"DEFAULT_{name}"] = f.default
            parameter = f"{name}=DEFAULT_{name}"
            body.append(f"    self.{name} = {name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"FACTORY_{name}"] = f.default_factory
            parameter = f"{name}=NO_VALUE"
            body.append(f"    self.{name} = FACTORY_{name}() if {name} is NO_VALUE else {name}")
        else:
            parameter = name
            body.append(f"    self.{name} = {name}")
        (keyword if f.kw_only else positional).append(parameter)
    body.append("    self.__class__ = CLS")
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = "\n".join([f"def __init__({signature}):", *body])
    exec(compile(source, f"<fast_init {cls.__name__}>", "exec"), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    type.__setattr__(cls, "__init__", init)
    type.__setattr__(cls, "__init_subclass__", classmethod(_refuse_subclass))
    return cls


def _refuse_subclass(cls: type, /, **kwargs: Any) -> None:
    raise TypeError(f"{cls.__name__}: a fast_init dataclass cannot be subclassed")


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE = _NoValue()
