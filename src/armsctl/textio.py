"""Read user text files as UTF-8, naming the line of the first byte that is not.

Treaty files, declarations and item lists come from many offices and editors; a file saved as
latin-1 or Windows-1252 must be refused with its name and line, never with a traceback, and a
UTF-8 byte-order mark (common in spreadsheet exports) is accepted. ``read_json`` is the one
reader of a JSON document from a file: a missing file, an unreadable one or bad JSON is one
problem naming the file (and the line). ``parse_json`` is the one parser of JSON text already
read: bad JSON, a huge integer or nesting past the parser's limit is bad input naming where
the text came from, never a traceback.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from armsctl.errors import InputError, Problem

__all__ = ["check_utf8", "parse_json", "read_json", "read_utf8"]

_CHUNK = 1 << 20


def _not_utf8(where: str, line: int, exc: UnicodeDecodeError) -> InputError:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return InputError(
        [
            Problem(
                where,
                f"line {line}",
                f"not UTF-8 (byte 0x{byte}); save the file as UTF-8",
            )
        ]
    )


def read_utf8(path: Path, *, where: str | None = None) -> str:
    """The whole file as text, without a leading byte-order mark."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _not_utf8(where or str(path), line, exc) from None


def check_utf8(path: Path, *, where: str | None = None) -> None:
    """Refuse a file that is not UTF-8, reading it in chunks (item files can be large)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder's buffered bytes (a split character, never a newline) come first.
                line = lines + exc.object[: exc.start].count(b"\n")
                raise _not_utf8(where or str(path), line, exc) from None
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _not_utf8(where or str(path), lines, exc) from None


def read_json(path: Path, *, where: str | None = None) -> Any:
    """The JSON document in ``path``; else an ``InputError`` naming the file (and the line)."""
    where = where or str(path)
    try:
        text = read_utf8(path, where=where)
    except FileNotFoundError:
        raise InputError([Problem(where, "", "no such file")]) from None
    except OSError as exc:
        raise InputError([Problem(where, "", f"cannot be read: {exc.strerror or exc}")]) from None
    return parse_json(text, where=where)


def parse_json(
    text: str,
    *,
    where: str,
    error: type[InputError] = InputError,
    parse_float: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """The JSON document in ``text``; else ``error`` (an ``InputError``) naming ``where``.

    ``where`` names the text's origin (a file, an upload) and ``error`` is the caller's kind of
    bad input (``DeclarationError`` for a declaration file); ``parse_float`` and
    ``parse_constant`` are ``json.loads``'s.
    """
    try:
        return json.loads(text, parse_float=parse_float, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise error([Problem(where, f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]) from None
    except (ValueError, RecursionError) as exc:
        # An integer longer than Python will convert, or nesting deeper than the parser's
        # recursion limit: still bad input, never a traceback.
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise error([Problem(where, "", f"not valid JSON: {why}")]) from None
