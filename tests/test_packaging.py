"""The wheel carries every package and data file the installed bot needs (the demo runs from a plain install)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    include = config["packages"]["find"]["include"]
    shipped = set(find_packages(str(ROOT), include=include))
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("bot", "handlers", "jobs", "templates")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= shipped, f"missing from the wheel: {on_disk - shipped}"
    data = config["package-data"]
    for name in ("page.html", "page.js", "page.css"):
        assert (ROOT / "bot" / "sandbox" / name).exists() and any(
            name.endswith(p.lstrip("*")) for p in data["bot.sandbox"]
        )
