"""Bounds on free-form JSON (notification bodies, observations, findings, item records).

A body that nests thousands of levels deep parses fine but cannot be written back out (the
encoder recurses), so it must be refused before it is stored, not discovered when the next
list fails. Every free-form value is walked once, without recursion, and must be plain JSON
that RFC 8785 can canonicalise: string keys, finite floats, integers within +-(2**53 - 1),
strings without lone surrogates, at most ``MAX_DEPTH`` levels and ``MAX_NODES`` values.
"""

from __future__ import annotations

import math
from typing import Any

from armsctl.errors import InputError, Problem

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_SAFE", "check_json", "json_problem", "renderable"]

MAX_DEPTH = 32
MAX_NODES = 20_000
MAX_SAFE = 2**53 - 1


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate (not valid Unicode)"
    if "\x00" in text:
        return "holds a NUL character"
    return None


def json_problem(value: Any) -> tuple[str, str] | None:
    """Return ``(path, message)`` of the first problem in ``value``, or ``None`` if it is fine.

    The path is dotted from the value's root (``a.3.b``), empty for the root itself.
    """
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    nodes = 0
    while stack:
        item, path, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return "", f"holds more than {MAX_NODES} values"
        if depth > MAX_DEPTH:
            return path, f"nests deeper than {MAX_DEPTH} levels"
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_SAFE:
                return path, "integer outside +-(2**53 - 1), which JSON cannot carry exactly"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return path, "number is not finite (too large or not a number)"
        elif isinstance(item, str):
            if (problem := _text_problem(item)) is not None:
                return path, problem
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    return path, "object keys must be strings"
                if (problem := _text_problem(key)) is not None:
                    return path, f"key {problem}"
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((child, f"{path}.{index}" if path else str(index), depth + 1))
        else:
            return path, f"{type(item).__name__} is not a JSON value"
    return None


def check_json(value: Any, field: str) -> None:
    """Refuse a free-form value outside the bounds, naming the field and the path inside it.

    Raises:
        InputError: with one problem located at ``field[.path]``.
    """
    found = json_problem(value)
    if found is not None:
        path, message = found
        raise InputError([Problem("", f"{field}.{path}" if path else field, message)])


def renderable(value: Any) -> Any:
    """``value`` if it is within bounds, else a stand-in saying why it is not shown.

    Rows stored before the bounds existed (or written by a tool that bypassed them) must not
    make every later list fail: they are shown as unreadable, with the reason.
    """
    found = json_problem(value)
    if found is None:
        return value
    path, message = found
    return {"unreadable": f"stored value exceeds the JSON bounds at {path or 'root'}: {message}"}
