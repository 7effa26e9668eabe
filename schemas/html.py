"""HTML to plain text, for ``body_html`` and for native bodies that arrive with markup.

Scripts, styles and other non-content elements are dropped entirely, block elements become line
breaks so paragraph structure survives, and entities are decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROP = {"script", "style", "noscript", "iframe", "object", "embed", "template", "head", "title"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "blockquote", "section", "article", "header", "footer", "figcaption", "pre", "hr", "dd", "dt"}
_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:[\s/][^<>]*)?>|<!--|<!\[CDATA\[")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001 (HTMLParser signature)
        if tag in _DROP:
            self._dropping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_comment(self, data: str) -> None:
        pass  # comments are markup, never text

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return "<" in text and _TAG_RE.search(text) is not None


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = _SPACES.sub(" ", "".join(parser.parts))
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
