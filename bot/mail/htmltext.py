"""HTML mail bodies to plain text, with the standard library's tolerant parser."""

from __future__ import annotations

import html
import logging
import re
from html.parser import HTMLParser

log = logging.getLogger(__name__)

_BLOCK = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "pre",
    "dd",
    "dt",
}
_SKIP = {"style", "script", "head", "title", "template"}
_CELL, _HEAD = (
    "\x1f",
    "\x1e",
)  # before a data / header cell until the row's line is read (characters no text has)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._quote = 0
        self._cells = 0  # cells seen in the current table row: the next one is set apart with _CELL

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "blockquote":
                self._quote += 1
        if tag == "tr":
            self._cells = 0
        elif tag in ("td", "th"):
            self.parts.append(_HEAD if tag == "th" else _CELL)
            self._cells += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._quote:
            data = "\n".join("> " + line if line.strip() else line for line in data.split("\n"))
        self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, list[str]]:
    """Return the visible text of an HTML body (blockquotes as `>` lines) and the hrefs it links to."""
    collector = _TextCollector()
    try:
        collector.feed(markup)
        collector.close()
    except Exception:  # HTMLParser is tolerant; anything left is logged and the text so far kept
        log.warning("HTML body could not be fully converted; keeping what was read", exc_info=True)
    text = html.unescape("".join(collector.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", _cells(line)).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip(), collector.links


def _cells(line: str) -> str:
    """A table row of a label and its value ('Kunde' | 'Sabine Hoffmann') as 'Kunde: Sabine Hoffmann'; other rows,
    and rows of column titles, with their cells apart."""
    if _CELL not in line and _HEAD not in line:
        return line
    header_row = _CELL not in line  # a row of column titles ('Buyer' | 'Order ID') is no label and value
    cells = [c.strip() for c in re.split(f"[{_CELL}{_HEAD}]", line) if c.strip()]
    if len(cells) == 2 and not header_row and len(cells[0]) <= 40 and not cells[0].endswith((":", "：")):
        return f"{cells[0]}: {cells[1]}"
    return " ".join(cells)
