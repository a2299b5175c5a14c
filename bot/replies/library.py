"""Reply templates: one Jinja2 file per intent and language with YAML front matter, rendered sandboxed and strict."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

log = logging.getLogger(__name__)

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.S)
FALLBACK_LANGUAGE = "en"
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

    def __post_init__(self) -> None:
        self.env = SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )

    @classmethod
    def load(cls, folder: Path | None = None) -> Library:
        """Read every `<language>/<key>.j2` under the folder (default: the templates shipped with the bot)."""
        root = Path(folder) if folder else Path(str(resources.files("templates")))
        library = cls()
        for path in sorted(root.glob("*/*.j2")):
            library.add(
                parse_template(
                    path.read_text(encoding="utf-8"), key=path.stem, language=path.parent.name, path=str(path)
                )
            )
        if not library.templates:
            raise TemplateProblem(f"no templates found in {root}")
        return library

    def add(self, template: Template) -> None:
        """Add (or replace) one template."""
        self.templates[(template.key, template.language)] = template

    def template_keys(self) -> list[str]:
        """Every template key, sorted."""
        return sorted({key for key, _ in self.templates})

    def languages(self, key: str) -> list[str]:
        """The languages a template exists in."""
        return sorted(lang for k, lang in self.templates if k == key)

    def get(self, key: str, language: str | None) -> tuple[Template, bool]:
        """The template in the language, else in English; the flag says a fallback was used."""
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
        raise TemplateProblem(f"{path}: no front matter (a block between --- lines) at the top")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as e:
        raise TemplateProblem(f"{path}: front matter is not valid YAML: {e}") from e
    if not isinstance(meta, dict) or not meta.get("title"):
        raise TemplateProblem(f"{path}: front matter needs at least a title")
    label = str(meta.get("label") or meta["title"])
    if len(label) > LABEL_LIMIT:
        raise TemplateProblem(f"{path}: label is {len(label)} characters; Slack buttons take {LABEL_LIMIT}")
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
    )
