"""Shell blocks of the README and docs pages, as the docs test reads and runs them.

The convention (summarised for writers in docs/examples/README.md):

* Blocks fenced ```` ```sh ````, ```` ```bash ````, ```` ```shell ```` or ```` ```console ```` are
  run, in page order, in one fresh folder per page that holds a copy of ``docs/examples/`` (as a
  checkout's root does). Other fences (``toml``, ``json``, plain) are not run.
* In ``sh`` blocks every line is typed as is; a line ending in ``\\`` continues the command and a
  here-document runs to its terminator. Full-line comments are skipped.
* In ``console`` blocks a command starts with ``$ ``; the lines after it, up to the next ``$ ``,
  are its output, compared with what it prints (stdout and stderr together, trailing spaces and
  blank lines ignored). ``...`` alone on a line stands for any number of lines, and ``...``
  inside a line for any text (times, hashes, tokens). A command followed directly by another
  ``$`` line (or the end of the block) shows no output, and its output is not compared.
* A command exits 0 unless its comment says ``# exit N`` (``# exit 1: rollback``).
* A ``curl`` command whose comment says ``# -> NNN`` must answer HTTP status NNN: the test adds
  ``-w`` to print the status after the body and compares it (``curl -s`` itself exits 0 on
  any status, so without the marker a refusal would pass unseen).
* A command ending in ``&`` starts a server: the test waits until its port (``--port N``, 8000
  when absent) accepts connections, and stops every server when the page ends. Ports written on a
  page (``--port N``, ``127.0.0.1:N``, ``localhost:N``) are replaced by free ones for the run so
  that pages run in parallel; output is compared with the page's numbers.
* ``<!-- docs-test: skip REASON -->`` on the line before a block leaves that block out (``make
  demo``, which installs the package, and ``make test``, which would run this test).
* ``<!-- docs-test: needs postgres -->`` on the line before a block runs it only where a
  PostgreSQL server answers on 127.0.0.1:5432 (and fails the page where one must, with
  ``ARMSCTL_REQUIRE_POSTGRES``, as in CI with a server).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

RUN_FENCES = {"sh", "bash", "shell", "console"}
_FENCE = re.compile(r"^(\s*)```(\S*)")
_SKIP = re.compile(r"<!--\s*docs-test:\s*skip\b(.*?)-->")
_NEEDS_POSTGRES = re.compile(r"<!--\s*docs-test:\s*needs\s+postgres\s*-->")
_EXIT = re.compile(r"#[^\n]*?\bexit\s+(\d+)\b")
_STATUS = re.compile(r"^(curl\s.*?)(\s+#\s*->\s*(\d{3})\b.*)$", re.DOTALL)
#: What the docs test appends to a status-checked curl command; its output ends with this line.
STATUS_LINE = "docs-test: HTTP "
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_BACKGROUND = re.compile(r"(?<!&)&\s*(#.*)?$")
_PORT = re.compile(r"--port[ =](\d{2,5})\b")


@dataclass(frozen=True)
class Command:
    """One command of a page: where it is, what to type, and what it should do."""

    page: str
    line: int
    text: str
    exit_code: int
    output: str | None  # expected output (console blocks), None when not shown
    background: bool
    status: int | None = None  # the HTTP status a ``curl ... # -> NNN`` line must answer
    needs_postgres: bool = False  # in a block marked ``docs-test: needs postgres``

    @property
    def typed(self) -> str:
        """The command as the test runs it: a status-checked curl also prints its status."""
        found = _STATUS.match(self.text) if self.status is not None else None
        if found is None:
            return self.text
        return f"{found.group(1)} -w '\\n{STATUS_LINE}%{{http_code}}\\n'{found.group(2)}"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def ports(self) -> list[int]:
        found = [int(p) for p in _PORT.findall(self.text)]
        if not found and re.search(r"\barmsctl\s+(serve|demo\b.*--serve)\b", self.text):
            found = [8000]
        return found


def _logical(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join continuation lines and here-documents into whole commands."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        number, text = lines[i]
        parts = [text]
        i += 1
        while parts[-1].rstrip().endswith("\\") and i < len(lines):
            parts.append(lines[i][1])
            i += 1
        heredoc = _HEREDOC.search("\n".join(parts))
        if heredoc:
            end = heredoc.group(2)
            while i < len(lines):
                parts.append(lines[i][1])
                i += 1
                if parts[-1].strip() == end:
                    break
        out.append((number, "\n".join(parts)))
    return out


def _command(page: str, line: int, text: str, output: str | None) -> Command:
    code = _EXIT.search(text)
    status = _STATUS.match(text)
    return Command(
        page=page,
        line=line,
        text=text,
        exit_code=int(code.group(1)) if code else 0,
        output=output,
        background=bool(_BACKGROUND.search(text.splitlines()[-1])),
        status=int(status.group(3)) if status else None,
    )


def _sh_block(page: str, body: list[tuple[int, str]]) -> list[Command]:
    typed = [(n, t) for n, t in body if t.strip() and not t.lstrip().startswith("#")]
    return [_command(page, n, t, None) for n, t in _logical(typed)]


def _console_block(page: str, body: list[tuple[int, str]]) -> list[Command]:
    commands: list[Command] = []
    i = 0
    while i < len(body):
        number, text = body[i]
        if not text.startswith("$ "):
            i += 1  # prose before the first prompt
            continue
        parts = [text[2:]]
        i += 1
        while parts[-1].rstrip().endswith("\\") and i < len(body):
            parts.append(body[i][1])
            i += 1
        output: list[str] = []
        while i < len(body) and not body[i][1].startswith("$ "):
            output.append(body[i][1])
            i += 1
        while output and not output[-1].strip():
            output.pop()
        commands.append(
            _command(page, number, "\n".join(parts), "\n".join(output) if output else None)
        )
    return commands


def commands(root: Path, page: str) -> list[Command]:
    """Every command of *page* (a path relative to *root*), in order."""
    lines = (root / page).read_text(encoding="utf-8").splitlines()
    found: list[Command] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        indent, lang = fence.groups()
        start = i
        i += 1
        body: list[tuple[int, str]] = []
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(
                (i + 1, lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            )
            i += 1
        i += 1
        before = lines[start - 1] if start > 0 else ""
        if lang not in RUN_FENCES or _SKIP.search(before):
            continue
        block = _console_block(page, body) if lang == "console" else _sh_block(page, body)
        if _NEEDS_POSTGRES.search(before):
            block = [dataclasses.replace(c, needs_postgres=True) for c in block]
        found += block
    return found


def output_matches(expected: str, actual: str) -> bool:
    """Compare *actual* with *expected*, where ``...`` is a wildcard (see the module docstring)."""
    pattern = []
    for line in expected.splitlines():
        if line.strip() == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            pieces = [re.escape(p) for p in line.rstrip().split("...")]
            pattern.append("[^\\n]*?".join(pieces) + r"[ \t]*\n")
    text = "\n".join(line.rstrip() for line in actual.rstrip().splitlines()) + "\n"
    return re.fullmatch("".join(pattern), text) is not None
