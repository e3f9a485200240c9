"""Read an article — plain text, Markdown or a saved HTML page — into normalised paragraphs.

HTML goes through trafilatura, which keeps the main text and drops the page around it
(navigation, header, sidebars, footer); every block of the page it left out is reported, so
the author can see that nothing of the article went missing. Plain text and Markdown keep all
their text except the publisher boilerplate ``bot.authoring.paragraphs`` recognises (a "Skip to
content" link, a closing donation or newsletter appeal), which is reported the same way.

trafilatura and markdown-it are imported only when such a file is read, so other commands do
not pay for them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.authoring.paragraphs import LeftOut, drop_boilerplate, normalise_text
from bot.core.textnorm import fold

__all__ = ["FORMATS", "Article", "detect_format", "read_article"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FORMATS = ("text", "markdown", "html")
_FORMAT_NAMES = {"text": "plain text", "markdown": "Markdown", "html": "an HTML page"}
_BYLINE = re.compile(r"^(?:by|words|written by|author|text)\s*:?\s+(.+)$", re.IGNORECASE)


@dataclass
class Article:
    """An article's paragraphs and what it says about itself."""

    paragraphs: list[str]
    format: str
    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    #: Blocks of the file that are not in ``paragraphs``, and why.
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        return _FORMAT_NAMES[self.format]

    def source_text(self) -> str:
        """The text of ``SLUG.source.txt``: the paragraphs, separated by blank lines."""
        return "\n\n".join(self.paragraphs) + "\n"


def detect_format(path: Path, head: str) -> str:
    """``html``, ``markdown`` or ``text``, from the file name, else from how it starts."""
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm", ".xhtml"}:
        return "html"
    if suffix in {".md", ".markdown", ".mdown", ".mkd"}:
        return "markdown"
    start = head.lstrip().lower()
    if start.startswith(("<!doctype html", "<html")):
        return "html"
    return "text"


def read_article(path: Path, fmt: str | None = None) -> Article:
    """Read ``path`` as ``fmt`` (default: detected) into an ``Article``.

    Raises ``OSError`` or ``UnicodeDecodeError`` when the file cannot be read as text, and
    ``ValueError`` when it holds no text.
    """
    raw = path.read_bytes()
    text = _decode(raw)
    fmt = fmt or detect_format(path, text[:512])
    if fmt == "html":
        article = _from_html(text)
    elif fmt == "markdown":
        article = _from_markdown(text)
    else:
        article = _from_text(text)
    kept, boilerplate = drop_boilerplate(article.paragraphs)
    article.paragraphs = kept
    article.left_out += boilerplate
    if fmt == "text" and kept and _looks_like_title(kept[0]):
        article.title = kept[0]
    if not article.paragraphs:
        raise ValueError(f"no article text found in {path}")
    article.author = article.author or _byline_author(article.paragraphs)
    return article


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Saved pages are sometimes in the legacy Windows encoding; anything else is refused.
        return raw.decode("cp1252")


# --- plain text -----------------------------------------------------------------------------


def _from_text(text: str) -> Article:
    return Article(normalise_text(text), "text")


def _looks_like_title(paragraph: str) -> bool:
    return "\n" not in paragraph and len(paragraph) <= 150 and not paragraph.endswith(".")


def _byline_author(paragraphs: list[str]) -> str | None:
    for paragraph in paragraphs[:5]:
        for line in paragraph.splitlines():
            found = _BYLINE.match(line.strip())
            if found and len(found.group(1)) <= 80:
                return found.group(1).strip()
    return None


# --- Markdown -------------------------------------------------------------------------------


def _from_markdown(text: str) -> Article:
    from markdown_it import MarkdownIt

    meta, text = _front_matter(text)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    paragraphs: list[str] = []
    left_out: list[LeftOut] = []
    title: str | None = None
    row: list[str] | None = None
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            paragraphs.append("; ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline":
            words = " ".join(_inline_text(token).split(" ")).strip()
            words = "\n".join(" ".join(line.split()) for line in words.splitlines()).strip()
            if not words:
                continue
            if row is not None:
                row.append(words)
                continue
            opener = tokens[index - 1] if index else None
            if opener is not None and opener.type == "heading_open" and opener.tag == "h1":
                title = title or words
            paragraphs.append(unicodedata.normalize("NFC", words))
        elif token.type in {"fence", "code_block"}:
            left_out.append(LeftOut(_one_line(token.content), "a code block"))
        elif token.type == "html_block":
            left_out.append(LeftOut(_one_line(token.content), "HTML inside the Markdown"))
    return Article(
        paragraphs,
        "markdown",
        title=_meta(meta, "title") or title,
        author=_meta(meta, "author", "authors", "by"),
        publisher=_meta(meta, "publisher", "site", "publication"),
        url=_meta(meta, "url", "link", "canonical"),
        published=_meta(meta, "date", "published"),
        left_out=left_out,
    )


def _inline_text(token: Any) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A leading ``---`` YAML block (title, author, date, …) and the text after it."""
    found = re.match(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", text, re.DOTALL)
    if not found:
        return {}, text
    try:
        meta = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[found.end() :]


def _meta(meta: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value not in (None, ""):
            return str(value).strip()
    return None


# --- HTML -----------------------------------------------------------------------------------


def _from_html(html: str) -> Article:
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        # Only a date the page's markup states; never one guessed from the text ("In 2010, …").
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(document, "text", None) or ""
    paragraphs = [
        unicodedata.normalize("NFC", " ".join(line.split()))
        for line in text.splitlines()
        if line.strip()
    ]
    title = _clean(getattr(document, "title", None))
    if title and (not paragraphs or fold(paragraphs[0]) != fold(title)):
        paragraphs.insert(0, title)
    whole = {fold(p) for p in paragraphs}
    kept = " " + " ".join(whole) + " "

    def is_kept(block: str) -> bool:
        # A word or two found somewhere in the text is a menu item, not the text itself.
        key = fold(block)
        return key in whole or (len(key) >= 40 and f" {key} " in kept)

    missing = (b for b in _page_blocks(html) if not is_kept(b[0]))
    left_out = [LeftOut(block, reason) for block, reason in _merge_runs(missing)]
    return Article(
        paragraphs,
        "html",
        title=title,
        author=_clean(getattr(document, "author", None)),
        publisher=_clean(getattr(document, "sitename", None)),
        url=_clean(getattr(document, "url", None)),
        published=_clean(getattr(document, "date", None)),
        left_out=left_out,
    )


def _clean(value: object) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


_BLOCKS = _words(
    """address article aside blockquote body button dd details div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table
    td th tr ul"""
)
_SKIPPED = _words("script style noscript template svg iframe head object canvas")
_REASONS = (
    ("nav", "navigation"),
    ("footer", "the page footer"),
    ("aside", "a sidebar"),
    ("header", "the page header"),
    ("form", "a form"),
)


def _page_blocks(html: str) -> Iterator[tuple[str, str]]:
    """Every block of text of the page, in order, with a guess at what part of the page it is."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    out: list[tuple[str, str]] = []
    buffer: list[str] = []
    context: list[str] = []

    def flush() -> None:
        words = " ".join("".join(buffer).split())
        buffer.clear()
        if words:
            out.append((words, _reason(words, context)))

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIPPED:
            return
        block = tag in _BLOCKS
        marker = f"{tag} {element.get('class', '')} {element.get('id', '')}".lower()
        if block:
            flush()
        context.append(marker)
        if element.text:
            buffer.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        context.pop()
        if block:
            flush()

    walk(root)
    flush()
    return iter(out)


def _reason(words: str, context: list[str]) -> str:
    markers = " ".join(context)
    lowered = words.lower()
    classes = " ".join(m.split(" ", 1)[1] for m in context if " " in m)
    tags = {m.split(" ", 1)[0] for m in context}
    if re.search(r"\bskip to\b", lowered):
        return "a navigation link"
    if re.search(r"donat|support-us|membership|newsletter|subscribe", classes):
        return "a donation or newsletter appeal"
    if re.search(r"author|\bbio\b|byline|credit", classes):
        return "the author note or byline"
    if re.search(r"pull-?quote", markers):
        return "a pull quote"
    if "nav" in tags:
        return "navigation"
    if "©" in words or "all rights reserved" in lowered:
        return "the copyright line"
    for tag, reason in _REASONS:
        if tag in tags:
            return reason
    if re.search(r"\bdonat|\btax-deductible\b", lowered):
        return "a donation or newsletter appeal"
    return "not part of the main text"


def _merge_runs(blocks: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Consecutive blocks of the same kind as one (a heading and its appeal, a menu)."""
    run: list[str] = []
    reason = ""
    for words, why in blocks:
        if run and why != reason:
            yield " ".join(run), reason
            run = []
        run.append(words)
        reason = why
    if run:
        yield " ".join(run), reason


def _one_line(text: str) -> str:
    return " ".join(text.split())
