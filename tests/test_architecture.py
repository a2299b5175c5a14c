"""The house rules of docs/architecture.md, checked on the code: each test names the rule and fails on a breach."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("bot", "handlers", "jobs")
MAX_LINES = 440  # "modules stay under about 400 lines"
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA)\b")
# Modules with no test module of their own, and why.
UNTESTED = {
    "bot/__main__.py": "one line: `python -m bot` calls bot.cli.main (run by every CLI test)",
}


def modules(*folders: str) -> list[Path]:
    """The production modules under these folders (package markers left out)."""
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py") if p.name != "__init__.py")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_production_module_has_its_own_test_module() -> None:
    """bot/x/y.py is tested in tests/bot/x/test_y.py (handlers and jobs alike)."""
    missing = [
        rel(p)
        for p in modules(*PRODUCTION)
        if rel(p) not in UNTESTED
        and not (ROOT / "tests" / p.relative_to(ROOT).parent / f"test_{p.name}").exists()
    ]
    assert missing == [], "write the mirrored test module for each"


def test_no_sql_outside_the_store_package() -> None:
    """Every SQL statement lives in bot/store/; other parts call its named functions."""
    offenders = []
    for path in modules(*PRODUCTION):
        if rel(path).startswith(("bot/store/", "bot/sandbox/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                offenders.append(f"{rel(path)}:{node.lineno} SQL text")
            if isinstance(node, ast.Attribute) and node.attr in ("db", "conn", "execute"):
                offenders.append(f"{rel(path)}:{node.lineno} .{node.attr}")
    assert offenders == [], "add a function to a bot/store/ module instead"


def test_modules_stay_small() -> None:
    """A module that grows past about 400 lines is split by what its parts are about."""
    long = {
        rel(p): n
        for p in modules(*PRODUCTION)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_module_level_mutable_state() -> None:
    """State lives in objects the factory builds, never in module globals (constants are UPPER_CASE)."""
    offenders = []
    for path in modules(*PRODUCTION):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                offenders.append(f"{rel(path)}:{node.lineno} global {', '.join(node.names)}")
        for node in tree.body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            value = getattr(node, "value", None)
            mutable = isinstance(
                value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
            ) or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in ("list", "dict", "set", "defaultdict", "OrderedDict", "deque")
            )
            for target in targets:
                if (
                    isinstance(target, ast.Name)
                    and mutable
                    and not target.id.isupper()
                    and target.id != "__all__"
                ):
                    offenders.append(f"{rel(path)}:{node.lineno} {target.id}")
    assert offenders == []


def test_handlers_only_translate() -> None:
    """Listeners reach the core through Deps; they neither build parts nor touch the store's tables."""
    offenders = [
        f"{rel(p)}:{n}"
        for p in modules("handlers")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\b(Store|Poster|Mailer|Enricher|Escalator|Replies|Desk)\(", line)
    ]
    assert offenders == []


def test_the_documented_tree_is_the_tree() -> None:
    """docs/architecture.md names every package and module of bot/, handlers/ and jobs/ (and nothing that is gone)."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").split("## Old paths")[0]
    named = set(re.findall(r"`((?:bot|handlers|jobs)/[\w/]+\.py)`", doc))
    actual = {rel(p) for p in modules(*PRODUCTION)}
    assert actual - named == set(), "document these in docs/architecture.md"
    assert named - actual == set(), "docs/architecture.md names modules that do not exist"
