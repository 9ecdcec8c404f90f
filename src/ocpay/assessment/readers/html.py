"""Reader for HTML documents: the text a reader sees (scripts and styles left out, <pre> kept verbatim)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ocpay.assessment.evidence import Documentation, DocumentError
from ocpay.assessment.readers.text import DocumentText, scan

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "pre"}


class _HtmlText(HTMLParser):
    """The text of a page as a reader sees it, with the line of the original where each piece starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.line_map: list[tuple[int, int]] = []
        self._skip = 0
        self._pre = 0

    def _add(self, text: str) -> None:
        self.line_map.append((self.length, self.getpos()[0]))
        self.parts.append(text)
        self.length += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a script, style or pre element; a block element starts a line."""
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "pre":
            self._pre += 1
        if tag in _BLOCK:
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        """Leave a script, style or pre element; a block element ends a line."""
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK:
            self._add("\n")

    def handle_data(self, data: str) -> None:
        """Keep visible text (spaces collapsed outside pre)."""
        if self._skip:
            return
        self._add(data if self._pre else re.sub(r"[ \t\r\f\v]+", " ", data))


def read_html(source: str, text: str) -> Documentation:
    """The example messages an HTML page shows, with lines of the original; DocumentError when it is not HTML."""
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything it raises means a broken file
        raise DocumentError(f"{source}: not readable HTML: {exc}") from None
    return scan(DocumentText(source, "".join(parser.parts), parser.line_map))
