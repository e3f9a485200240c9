"""How a view is made to fit: the bounds every view keeps, the check, and the cutting.

A page is measured by rendering it with the real Discord, Slack and text renderers (``fits``),
so the bounds hold for any content; text too long for one page is cut into pieces at sentences,
shorter where escaping lengthens it (``piece``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.core.answers import Answer, Citation, Item
from bot.render._layout import fit, has_text

T = TypeVar("T")
#: Characters of one piece of a long claim or quote (before escaping).
PIECE = 600

#: The bounds every view keeps (checked by ``fits``).
TEXT_WIDTH = 80
TEXT_LINES = 35
VISIBLE_CHARS = 2500
SLACK_BLOCKS = 15
#: Blocks kept free for the Slack adapter's own controls (its "Share in channel" button).
SLACK_RESERVE = 1


def fits(view: Answer) -> bool:
    """Whether ``view`` renders as one compact message everywhere (see the module docstring)."""
    from bot.render.discord import embed_length, to_discord
    from bot.render.slack import to_slack, visible_length
    from bot.render.text import to_text

    if len(to_text(view, width=TEXT_WIDTH).splitlines()) > TEXT_LINES:
        return False
    discord = to_discord(view)
    if len(discord) != 1 or sum(embed_length(e) for e in discord[0]["embeds"]) > VISIBLE_CHARS:
        return False
    slack = to_slack(view)
    return (
        len(slack) == 1
        and len(slack[0]["blocks"]) <= SLACK_BLOCKS - SLACK_RESERVE
        and visible_length(slack[0]) <= VISIBLE_CHARS
    )


def quote_pieces(item: Item) -> list[Item]:
    """The claim with its quotes, or, if that is long, the claim then one quote per piece."""
    whole = item.text + "".join(c.quote for c in item.citations)
    if len(whole) <= piece(whole) * 2:
        return [item]
    pieces = [Item(t) for t in fit(item.text, piece(item.text))] if has_text(item.text) else []
    for citation in item.citations:
        if len(citation.quote) <= piece(citation.quote):
            pieces.append(Item("", (citation,)))
            continue
        for quote in fit(citation.quote, piece(citation.quote)):
            pieces.append(Item("", (Citation(quote, citation.paragraph),)))
    return pieces


def piece(text: str) -> int:
    """How long a piece of ``text`` may be: ``PIECE`` characters once escaped for the platform
    that escapes it most (``&`` is ``&amp;`` on Slack, ``*`` is ``\\*`` on Discord)."""
    from bot.render.discord import escape_markdown
    from bot.render.slack import escape

    grown = max(len(escape(text)), len(escape_markdown(text)), len(text), 1) / max(len(text), 1)
    return max(int(PIECE / grown), 60)


def paginate(units: Sequence[T], page_fits: Callable[[list[T]], bool]) -> list[list[T]]:
    """Greedy pages: each unit joins the current page while the page still fits."""
    pages: list[list[T]] = []
    page: list[T] = []
    for unit in units:
        if page and not page_fits([*page, unit]):
            pages.append(page)
            page = []
        page.append(unit)
    if page or not pages:
        pages.append(page)
    return pages
