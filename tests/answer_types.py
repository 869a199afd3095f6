"""Check a JSON answer against its declared TypedDict, recursively: every required key is there,
no key is there that the type does not declare, and values have the declared kind (lists, dicts,
numbers, strings, null where Optional)."""

from __future__ import annotations

import types
from typing import Any, NotRequired, Required, Union, get_args, get_origin, get_type_hints


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def mismatches(value: Any, tp: Any, where: str = "$") -> list[str]:
    """What in `value` does not match `tp` (empty: it matches), each with its JSON path."""
    origin = get_origin(tp)
    if tp is Any:
        return []
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return []
        found = [mismatches(value, o, where) for o in options if o is not type(None)]
        return [] if any(not f for f in found) else min(found, key=len)
    if origin in (Required, NotRequired):
        return mismatches(value, get_args(tp)[0], where)
    if _is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not an object ({tp.__name__})"]
        # NotRequired read from the hints: with postponed annotations, __required_keys__ misses it
        hints = get_type_hints(tp, include_extras=True)
        optional = {k for k, h in hints.items() if get_origin(h) is NotRequired}
        required = hints.keys() - optional if tp.__total__ else {k for k, h in hints.items() if get_origin(h) is Required}
        out = [f"{where}: missing {k!r} ({tp.__name__})" for k in sorted(required - value.keys())]
        out += [f"{where}: undeclared {k!r} ({tp.__name__})" for k in sorted(value.keys() - hints.keys())]
        for k in value.keys() & hints.keys():
            out += mismatches(value[k], hints[k], f"{where}.{k}")
        return out
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list"]
        (item,) = get_args(tp) or (Any,)
        return [m for i, v in enumerate(value) for m in mismatches(v, item, f"{where}[{i}]")]
    if origin is dict or tp is dict:
        return [] if isinstance(value, dict) else [f"{where}: {type(value).__name__}, not an object"]
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not a number"]
    if tp is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: {value!r} is not an integer"]
    if isinstance(tp, type):
        return [] if isinstance(value, tp) else [f"{where}: {value!r} is not {tp.__name__}"]
    raise TypeError(f"{where}: cannot check against {tp!r}")


__all__ = ["mismatches"]
