"""How the docs test reads a page: which lines are commands, their exit codes and shown output."""

from __future__ import annotations

from pathlib import Path

from .pages import STATUS_LINE, commands, output_matches

PAGE = """# A page

```sh
armsctl treaty list          # bundled treaties
armsctl check new-start --at 2020-09-01 \\
      --interpretation counts-converted   # exit 1: violation
# a comment line is not a command
armsctl serve --db demo.db --port 8000 &
```

```console
$ armsctl inspect sample-size --population 1000 --defective 5 --probability 0.95
Exact: inspect 450 items (detection ... %).
...
$ armsctl keys generate USA
```

<!-- docs-test: skip (installs the package) -->
```sh
make demo
```

```toml
id = "not-run"
```
"""


def test_commands_continuations_exit_markers_and_servers(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text(PAGE)
    found = commands(tmp_path, "page.md")
    assert [c.line for c in found] == [4, 5, 8, 12, 15]
    assert [c.exit_code for c in found] == [0, 1, 0, 0, 0]
    assert found[1].text.endswith("# exit 1: violation")
    assert [c.background for c in found] == [False, False, True, False, False]
    assert found[2].ports == [8000]
    assert found[3].output == "Exact: inspect 450 items (detection ... %).\n..."
    assert found[4].output is None  # nothing shown: not compared
    assert found[0].where == "page.md:4"


def test_an_ellipsis_stands_for_any_text_in_a_line_and_any_lines_alone() -> None:
    shown = "checkpoint\n...\nend ... here"
    assert output_matches(shown, "checkpoint\nend 42 here\n")
    assert output_matches(shown, "checkpoint\na\nb\nend x here  \n\n")
    assert not output_matches(shown, "checkpoint\nend here, not matching\n")
    assert not output_matches("exactly this", "exactly this\nand more")


def test_a_curl_line_marked_with_a_status_must_answer_it(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text(
        "```sh\n"
        "curl -s http://127.0.0.1:8000/api/v1/health  # -> 200\n"
        "curl -s -X POST http://127.0.0.1:8000/api/v1/log/checkpoints  # -> 401: no token\n"
        "curl -s http://127.0.0.1:8000/api/v1/health\n"
        "```\n"
    )
    health, refused, unmarked = commands(tmp_path, "page.md")
    assert (health.status, refused.status, unmarked.status) == (200, 401, None)
    # The status is printed after the body, before the comment (which would swallow it).
    assert health.typed == (
        f"curl -s http://127.0.0.1:8000/api/v1/health -w '\\n{STATUS_LINE}%{{http_code}}\\n'"
        "  # -> 200"
    )
    assert unmarked.typed == unmarked.text
    assert (health.exit_code, refused.exit_code) == (0, 0)  # curl -s exits 0 on any status


def test_a_block_marked_as_needing_postgres_is_known_by_its_commands(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text(
        "```sh\narmsctl db upgrade\n```\n\n"
        "<!-- docs-test: needs postgres -->\n"
        '```sh\narmsctl db upgrade --db "$URL"\narmsctl serve --port 8001 --db "$URL" &\n```\n'
    )
    assert [c.needs_postgres for c in commands(tmp_path, "page.md")] == [False, True, True]
