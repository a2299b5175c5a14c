"""Reply templates: one Jinja2 file per intent and language with YAML front matter, rendered sandboxed and strict.

The shipped templates can be overridden or added to by a team's own folder laid out the same way
(`INBOX_BOT_TEMPLATE_DIR`); the library notices when that folder changes and reloads it, keeping the last good
templates (and saying so in the log) when a changed file is broken.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

log = logging.getLogger(__name__)

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)
FALLBACK_LANGUAGE = "en"
RELOAD_EVERY = 2.0  # seconds between looks at the team folder
LABEL_LIMIT = 75  # Slack's button text limit


class TemplateProblem(Exception):
    """A template cannot be used as asked: unknown, broken, or it needs a value this conversation lacks."""


@dataclass(frozen=True)
class Template:
    """One reply template in one language."""

    key: str  # the intent's file name, e.g. "invoice_request"
    language: str
    title: str
    label: str
    intents: tuple[str, ...]
    requires: tuple[str, ...]
    safe: bool  # may be sent without editing
    proactive: bool
    source: str
    path: str
    follow_up_hours: float | None = (
        None  # `follow_up: 48h`: the reply promises something; remind if nothing comes
    )

    def missing(self, context: dict[str, Any]) -> list[str]:
        """The required values this context lacks."""
        return [name for name in self.requires if context.get(name) in (None, "", [])]


@dataclass
class Rendered:
    """A rendered reply and whether the asked language was available."""

    template: Template
    text: str
    language_fallback: bool = False


@dataclass
class Library:
    """All templates, by key and language, rendered in one sandboxed environment."""

    templates: dict[tuple[str, str], Template] = field(default_factory=dict)
    overlay: Path | None = None  # the team's own folder, read over the shipped templates
    shipped: dict[tuple[str, str], Template] = field(default_factory=dict)
    stamp: tuple[tuple[str, float, int], ...] = ()
    looked: float = 0.0
    problem: str | None = None  # why the team folder's latest change was not taken, if it was not

    def __post_init__(self) -> None:
        self.env = SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )

    @classmethod
    def load(cls, folder: Path | None = None, *, overlay: Path | None = None, strict: bool = True) -> Library:
        """Read every `<language>/<key>.j2` under the folder (default: the templates shipped with the bot), then
        the team's `overlay` folder over them (same names override, new names add). Not `strict` (the running
        bot): a broken team folder leaves the shipped templates in use, logged and kept in `problem`, and is read
        again once it changes."""
        root = Path(folder) if folder else shipped_folder()
        library = cls()
        for template in read_folder(root):
            library.add(template)
        if not library.templates:
            raise TemplateProblem(f"no templates found in {root}")
        library.shipped = dict(library.templates)
        if overlay is not None:
            if not overlay.is_dir():
                raise TemplateProblem(f"INBOX_BOT_TEMPLATE_DIR {overlay} is not a folder")
            library.overlay = overlay
            library.stamp = folder_stamp(overlay)
            library.looked = time.monotonic()
            try:
                team = read_folder(overlay)
            except TemplateProblem as e:
                if strict:
                    raise
                library.problem = str(e)
                log.error("team templates not used, the shipped ones are: %s", e)
                return library
            for template in team:
                library.add(template)
        return library

    def refresh(self, *, force: bool = False) -> bool:
        """Reload the team folder if a file in it changed (at most every RELOAD_EVERY seconds); True if reloaded.
        A broken change is refused as a whole: the last good templates stay, `problem` and the log say why."""
        if self.overlay is None or (not force and time.monotonic() - self.looked < RELOAD_EVERY):
            return False
        self.looked = time.monotonic()
        stamp = folder_stamp(self.overlay)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        try:
            fresh = read_folder(self.overlay)
        except TemplateProblem as e:
            self.problem = str(e)
            log.error("team templates not reloaded, the last good ones stay: %s", e)
            return False
        self.templates = dict(self.shipped)
        for template in fresh:
            self.add(template)
        self.problem = None
        log.info("team templates reloaded from %s: %d files", self.overlay, len(fresh))
        return True

    def add(self, template: Template) -> None:
        """Add (or replace) one template."""
        self.templates[(template.key, template.language)] = template

    def template_keys(self) -> list[str]:
        """Every template key, sorted."""
        self.refresh()
        return sorted({key for key, _ in self.templates})

    def languages(self, key: str) -> list[str]:
        """The languages a template exists in."""
        return sorted(lang for k, lang in self.templates if k == key)

    def get(self, key: str, language: str | None) -> tuple[Template, bool]:
        """The template in the language, else in English; the flag says a fallback was used."""
        self.refresh()
        wanted = (language or FALLBACK_LANGUAGE).lower()
        if (key, wanted) in self.templates:
            return self.templates[(key, wanted)], False
        if (key, FALLBACK_LANGUAGE) in self.templates:
            return self.templates[(key, FALLBACK_LANGUAGE)], True
        available = self.languages(key)
        if not available:
            raise TemplateProblem(f"there is no template {key!r}")
        return self.templates[(key, available[0])], True

    def for_intents(self, intents: list[str], language: str | None) -> list[Template]:
        """Templates answering these intents (in order of the intents), in the language or English."""
        out: list[Template] = []
        for intent in intents:
            for key in self.template_keys():
                template, _ = self.get(key, language)
                if intent in template.intents and template not in out:
                    out.append(template)
        return out

    def render(self, key: str, language: str | None, context: dict[str, Any]) -> Rendered:
        """Render a template; TemplateProblem names what is missing instead of sending a blank."""
        template, fallback = self.get(key, language)
        missing = template.missing(context)
        if missing:
            raise TemplateProblem(
                f"“{template.title}” needs {', '.join(missing)}, which this conversation does not have: "
                "choose another template or write the reply yourself"
            )
        try:
            text = self.env.from_string(template.source).render(**context)
        except UndefinedError as e:
            raise TemplateProblem(
                f"“{template.title}” uses a value this conversation does not have ({e.message})"
            ) from e
        except TemplateError as e:
            raise TemplateProblem(f"template {template.path} is broken: {e}") from e
        return Rendered(template=template, text=tidy(text), language_fallback=fallback)


def shipped_folder() -> Path:
    """Where the templates shipped with the bot are."""
    return Path(str(resources.files("templates")))


def read_folder(root: Path) -> list[Template]:
    """Every `<language>/<key>.j2` of a folder, parsed and compiled; the first broken one is refused with its line."""
    return [
        parse_template(
            path.read_text(encoding="utf-8"), key=path.stem, language=path.parent.name, path=str(path)
        )
        for path in sorted(root.glob("*/*.j2"))
    ]


def folder_stamp(root: Path) -> tuple[tuple[str, float, int], ...]:
    """Names, modification times and sizes of a folder's templates: what changes when someone edits one."""
    out = []
    for path in sorted(root.glob("*/*.j2")):
        try:
            info = path.stat()
        except OSError:
            continue
        out.append((str(path.relative_to(root)), info.st_mtime, info.st_size))
    return tuple(out)


def export(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped templates into `target` as a team's starting point; refuses to overwrite unless forced."""
    source = shipped_folder()
    files = sorted(source.glob("*/*.j2"))
    clashes = [target / p.relative_to(source) for p in files if (target / p.relative_to(source)).exists()]
    if clashes and not force:
        raise TemplateProblem(
            f"{len(clashes)} file(s) exist already, e.g. {clashes[0]}: use --force to overwrite"
        )
    written = []
    for path in files:
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
        written.append(out)
    return written


def lint(library: Library) -> list[str]:
    """Each problem of each template rendered with sample data and checked by the guard, one line each."""
    from bot.replies.context import sample_context
    from bot.replies.guard import Policy

    out: list[str] = []
    policy = Policy()
    for (key, language), template in sorted(library.templates.items()):
        context = sample_context(language)
        try:
            rendered = library.render(key, language, context)
        except TemplateProblem as e:
            out.append(f"{language}/{key}: {e}")
            continue
        found = [
            v
            for v in policy.check(rendered.text, allowed_numbers=[context["tracking_number"]])
            if v.rule != "placeholder" or template.safe
        ]
        out.extend(f"{language}/{key}: {v.rule}: {v.excerpt!r}: {v.message}" for v in found)
    return out


def tidy(text: str) -> str:
    """Trailing spaces removed and runs of blank lines folded to one."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and out and not out[-1]:
            continue
        out.append(line)
    return "\n".join(out)


def parse_template(text: str, *, key: str, language: str, path: str = "<string>") -> Template:
    """A template file: YAML front matter between `---` lines, then the Jinja2 body."""
    m = FRONT_MATTER.match(text)
    if not m:
        raise TemplateProblem(f"{path}:1: no front matter (a block between --- lines) at the top")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2  # the front matter starts on line 2
        raise TemplateProblem(f"{path}:{line}: front matter is not valid YAML: {e}") from e
    body_starts = text[: m.start(2)].count("\n") + 1
    try:
        SandboxedEnvironment().parse(m.group(2))
    except TemplateSyntaxError as e:
        raise TemplateProblem(f"{path}:{body_starts + (e.lineno or 1) - 1}: {e.message}") from e
    if not isinstance(meta, dict) or not meta.get("title"):
        raise TemplateProblem(f"{path}:2: front matter needs at least a title")
    label = str(meta.get("label") or meta["title"])
    if len(label) > LABEL_LIMIT:
        raise TemplateProblem(f"{path}:2: label is {len(label)} characters; Slack buttons take {LABEL_LIMIT}")
    follow_up = meta.get("follow_up")
    try:
        follow_up_hours = parse_follow_up(follow_up)
    except ValueError as e:
        line = 2 + next(
            (n for n, text in enumerate(m.group(1).splitlines()) if text.startswith("follow_up")), 0
        )
        raise TemplateProblem(f"{path}:{line}: follow_up: {e}") from e
    return Template(
        key=key,
        language=language,
        title=str(meta["title"]),
        label=label,
        intents=tuple(str(i) for i in meta.get("intents") or [key]),
        requires=tuple(str(r) for r in meta.get("requires") or []),
        safe=bool(meta.get("safe", False)),
        proactive=bool(meta.get("proactive", False)),
        source=m.group(2),
        path=path,
        follow_up_hours=follow_up_hours,
    )


FOLLOW_UP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)?\s*$", re.IGNORECASE)
MAX_FOLLOW_UP_HOURS = 14 * 24


def parse_follow_up(value: object) -> float | None:
    """`48h`, `2d`, `90m` or a number of hours as hours; None for no follow-up (absent, false, 'none')."""
    if value is None or value is False or str(value).strip().lower() in ("", "none", "no", "0"):
        return None
    m = FOLLOW_UP.match(str(value))
    if not m:
        raise ValueError(f"“{value}” is not a duration: write it like 24h, 2d or 90m")
    hours = float(m.group(1)) * {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}[(m.group(2) or "h").lower()]
    if not 1 / 60 <= hours <= MAX_FOLLOW_UP_HOURS:
        raise ValueError(f"“{value}” is outside 1 minute to 14 days")
    return hours
