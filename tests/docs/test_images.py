"""The pictures of README.md and docs/: every one shown exists, and every one is made by the script.

docs/screenshots.py makes the pictures from the seeded demo; a picture that no page shows, or that
the script does not make, would go stale unseen, so both are failures here.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
_HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _shown() -> dict[Path, list[str]]:
    """Each local picture file a page shows, with the pages that show it."""
    found: dict[Path, list[str]] = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for ref in [*_MARKDOWN_IMAGE.findall(text), *_HTML_IMAGE.findall(text)]:
            if "://" in ref:
                continue
            path = (page.parent / ref.split("#")[0]).resolve()
            found.setdefault(path, []).append(page.relative_to(ROOT).as_posix())
    return found


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("screenshots", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_picture_a_page_shows_exists_as_a_small_png() -> None:
    shown = _shown()
    assert shown, "README.md shows the dashboard"
    for path, pages in shown.items():
        assert path.is_file(), f"{pages} show {path.relative_to(ROOT)}, which does not exist"
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), f"{path.relative_to(ROOT)} is not a PNG"
        assert len(data) < 300 * 1024, f"{path.relative_to(ROOT)} is {len(data) // 1024} KiB"


def test_every_picture_in_docs_img_is_shown_and_made_by_the_script() -> None:
    pictures = set((ROOT / "docs" / "img").glob("*.png"))
    made = {ROOT / "docs" / "img" / f"{shot.name}.png" for shot in _script().SHOTS}
    assert pictures == made, "docs/img holds exactly what docs/screenshots.py makes"
    unshown = sorted(p.name for p in pictures - set(_shown()))
    assert not unshown, f"no page shows {unshown}"


def test_the_script_photographs_each_picture_at_a_desktop_or_a_phone_width() -> None:
    shots = _script().SHOTS
    assert {shot.viewport["width"] for shot in shots} == {1280, 390}
    assert len({shot.name for shot in shots}) == len(shots)
