"""Turn pydantic validation errors into ``Problem`` lines that name the key a user wrote.

Treaty files, exercise scenarios and other TOML or JSON documents are validated by pydantic
models; users need the key path in their own file (``limits[1](deployed-warheads).maximum``),
not pydantic's location tuple, and one line per finding.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from armsctl.errors import Problem

__all__ = ["key_path", "validation_problems"]


def validation_problems(exc: ValidationError, raw: dict[str, Any], where: str) -> list[Problem]:
    """One problem per finding, located by the key path in the user's document."""
    problems: list[Problem] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = key_path(loc, raw)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing":
            message = "required key is missing"
        # A model-level check joins several findings, each "key.path: message", with "; ".
        for part in message.split("; "):
            sub, sep, text_ = part.partition(": ")
            if sep and " " not in sub:
                problems.append(Problem(where, f"{key}.{sub}" if key else sub, text_))
            else:
                problems.append(Problem(where, key, part))
    return problems


def key_path(loc: tuple[int | str, ...], raw: Any) -> str:
    """Render a pydantic location as a TOML key path, naming list items by their id."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict):
                ident = node[item].get("id")
                if isinstance(ident, str):
                    label = f"[{item}]({ident})"
            parts.append(label)
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(f".{item}" if parts else str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)
