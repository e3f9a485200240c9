"""Compact views of an answer: a first view read at a glance, every detail one control away.

A command's ``Answer`` is whole: every section, every claim, every quote. What a person sees
first is a *view* of it that fits one message on every platform (one Discord embed of at most
2,500 visible characters, one Slack message of at most 2,500 characters and 15 blocks, at most
35 lines of 80 columns in a terminal):

- the **first view**: the title, the summary, the first claims of the first sections, claims
  cited by paragraph marker (``¶10``), a count of what else there is, and controls;
- a **section view** (``s2p0``): one page of one section; Prev/Next walk its pages and carry
  on into the next section, so every claim is reachable from the first view;
- a **quotes view** (``q2p0``, or ``qfp0`` for the first view's claims): the exact sentences
  behind the claims, paged the same way.

Controls are ``ActionKind.VIEW`` actions whose args are the view's code and the command to run
again (``Origin``), so they are stateless: any instance, after any restart, answers a click by
running the command and taking the view. Pages are cut by rendering each candidate page with the
real renderers, so the bounds hold for any content; a claim too long for a page is split at
sentences, a quote too long for a page likewise. Every view of an answer carries its ``image``
(the stance map stays on the message while its parts are read).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.answers import Action, Answer, Item, Section
from bot.render._layout import fit, has_text, one_line, shorten
from bot.render.view_fit import (
    fits,
    paginate,
    piece,
    quote_pieces,
)
from bot.render.view_refs import (
    FIRST,
    LEAD,
    Origin,
    ViewKind,
    ViewRef,
    view_action,
    view_target,
)

TITLE_CAP = 200
SUMMARY_CAP = 400
#: At most this many claims of one section open the first view.
LEAD_ITEMS = 3
#: At most this many section buttons on a first view; the rest are reached by Next.
SECTION_BUTTONS = 8
#: Pages are measured as page 99 of 99, the longest page marker a view shows.
WORST_PAGE = 98
FOOTER_CAP = 300
#: Follow-up commands a first view offers (one row of buttons).
FOLLOW_UPS = 5

PREV, NEXT, QUOTES, BACK, CLAIMS = "◀ Prev", "Next ▶", "Quotes", "Back", "Claims"
CHANGED = "That part of the answer has changed since; here is the answer as it is now."


def view(answer: Answer, ref: ViewRef, origin: Origin | None) -> Answer:
    """The view ``ref`` of ``answer``; the first view (saying so) if that part is gone."""
    return _cached(answer, ref, origin)


def first_view(answer: Answer, origin: Origin | None) -> Answer:
    """The first view of ``answer``. Without an origin there are no view controls."""
    return _cached(answer, FIRST, origin)


def section_views(answer: Answer, origin: Origin | None = None) -> list[Answer]:
    """Every page of every section of ``answer``, in order, as views (e.g. a digest's details
    posted as replies in its thread)."""
    views = _CACHE.views(answer, origin)
    return [
        views.get(ViewRef(ViewKind.SECTION, index, page))
        for index in range(len(answer.sections))
        for page in range(len(views.section_pages(index)))
    ]


class _IdentityCache:
    """The views of recent answers by the answer's identity: the engine hands out the same
    object for a cached answer, and hashing a whole answer costs more than a small view."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[int, Origin | None], tuple[Answer, _Views]]
        self.entries = OrderedDict()

    def views(self, answer: Answer, origin: Origin | None) -> _Views:
        key = (id(answer), origin)
        entry = self.entries.get(key)
        if entry is not None and entry[0] is answer:
            self.entries.move_to_end(key)
            return entry[1]
        views = _Views(answer, origin)
        self.entries[key] = (answer, views)  # holding the answer keeps its id unique
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return views


_CACHE = _IdentityCache()


def _cached(answer: Answer, ref: ViewRef, origin: Origin | None) -> Answer:
    return _CACHE.views(answer, origin).get(ref)


# -- building -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """A piece of a page: a piece of a section's text, or an item and the index of its claim."""

    claim: int
    item: Item | None = None
    text: str = ""


def _section_of(section: Section, units: Sequence[_Unit], heading: str | None = None) -> Section:
    """``section`` holding only ``units`` (its text pieces, then its items)."""
    text = "\n".join(u.text for u in units if u.item is None)
    items = tuple(u.item for u in units if u.item is not None)
    return Section(section.heading if heading is None else heading, items, text)


class _Views:
    """The views of one answer."""

    def __init__(self, answer: Answer, origin: Origin | None) -> None:
        self.answer = answer
        self.origin = origin
        self.title = shorten(one_line(answer.title), TITLE_CAP)
        self.units = [self._units(section) for section in answer.sections]
        self._lead: tuple[Answer, list[list[_Unit]]] | None = None
        self._built: dict[ViewRef, Answer] = {}
        self._section_pages: dict[int, list[list[_Unit]]] = {}
        self._quote_pages: dict[int, list[list[_Unit]]] = {}

    def get(self, ref: ViewRef) -> Answer:
        """The view ``ref``, built once."""
        shown = self._built.get(ref)
        if shown is None:
            shown = self._built[ref] = self.build(ref)
        return shown

    def build(self, ref: ViewRef) -> Answer:
        sections = self.answer.sections
        if ref.kind is ViewKind.FIRST:
            return self.first()
        if ref.section != LEAD and not 0 <= ref.section < len(sections):
            return self.changed()
        if ref.kind is ViewKind.SECTION:
            pages = self.section_pages(ref.section)
            return self.section(ref) if ref.page < len(pages) else self.changed()
        pages = self.quote_pages(ref.section)
        return self.quotes(ref) if ref.page < len(pages) else self.changed()

    def changed(self) -> Answer:
        shown = self.first()
        footer = " · ".join(p for p in (CHANGED, shown.footer) if p)
        return dataclasses.replace(shown, footer=footer)

    def control(self, label: str, ref: ViewRef) -> Action | None:
        return view_action(label, ref, self.origin) if self.origin else None

    def controls(self, *pairs: tuple[str, ViewRef | None]) -> tuple[Action, ...]:
        made = (self.control(label, ref) for label, ref in pairs if ref is not None)
        return tuple(a for a in made if a is not None)

    # -- the first view ---------------------------------------------------------------------

    def first(self) -> Answer:
        return self.lead()[0]

    def lead(self) -> tuple[Answer, list[list[_Unit]]]:
        """The first view and, per section, the units it shows."""
        if self._lead is None:
            self._lead = self._build_lead()
        return self._lead

    def _build_lead(self) -> tuple[Answer, list[list[_Unit]]]:
        if self._fits_first(self.units):
            return self._first(self.units, complete=True), self.units
        shown: list[list[_Unit]] = [[] for _ in self.units]
        for index, units in enumerate(self.units):
            claims: set[int] = set()
            for unit in units:
                if unit.item is not None and unit.claim not in claims and len(claims) == LEAD_ITEMS:
                    break
                shown[index].append(unit)
                if not self._fits_first(shown):
                    shown[index].pop()
                    return self._first(shown, complete=False), shown
                if unit.item is not None:
                    claims.add(unit.claim)
        return self._first(shown, complete=False), shown

    def _fits_first(self, shown: list[list[_Unit]]) -> bool:
        return fits(self._first(shown, complete=False, worst=True))

    def _first(self, shown: list[list[_Unit]], *, complete: bool, worst: bool = False) -> Answer:
        answer = self.answer
        sections = tuple(
            _section_of(s, units) for s, units in zip(answer.sections, shown, strict=True) if units
        )
        total = sum(len(s.items) for s in answer.sections)
        count = sum(len({u.claim for u in units if u.item is not None}) for units in shown)
        quoted = any(u.item.citations for units in shown for u in units if u.item is not None)
        pairs: list[tuple[str, ViewRef | None]] = []
        if quoted or worst:
            pairs.append((QUOTES, ViewRef(ViewKind.QUOTES, LEAD, 0)))
        if not complete or worst:
            more = [
                i
                for i, (units, seen) in enumerate(zip(self.units, shown, strict=True))
                if len(seen) < len(units)
            ]
            for i in more[:SECTION_BUTTONS]:
                pairs.append((_label(answer.sections[i]), ViewRef(ViewKind.SECTION, i, 0)))
            if len(more) > SECTION_BUTTONS:
                pairs.append((NEXT, ViewRef(ViewKind.SECTION, more[SECTION_BUTTONS], 0)))
        rest = "open a part for the rest" if self.origin else "the buttons open the rest"
        # Claims when the answer cites the article; a listing (digests, help) counts entries.
        cited = any(i.citations for s in answer.sections for i in s.items)
        noun = " claims" if cited else ""
        counts = "" if complete else f"Showing {count} of {total}{noun}; {rest}."
        if quoted and not complete:
            counts += " Quotes: the article's own sentences."
        own = shorten(one_line(answer.footer or ""), FOOTER_CAP)
        footer = " · ".join(p for p in (own, counts) if p)
        return dataclasses.replace(
            answer,
            title=self.title,
            summary=_summary(answer.summary),
            sections=sections,
            footer=footer or None,
            actions=(*self.controls(*pairs), *answer.actions[:FOLLOW_UPS]),
            quotes=False,
        )

    # -- section views ------------------------------------------------------------------------

    def section_pages(self, index: int) -> list[list[_Unit]]:
        if index not in self._section_pages:
            self._section_pages[index] = self._paginate_section(index)
        return self._section_pages[index]

    def _paginate_section(self, index: int) -> list[list[_Unit]]:
        return paginate(
            self.units[index], lambda page: fits(self._section(index, page, WORST_PAGE, worst=True))
        )

    def section(self, ref: ViewRef) -> Answer:
        pages = self.section_pages(ref.section)
        return self._section(ref.section, pages[ref.page], ref.page, pages=len(pages))

    def _section(
        self,
        index: int,
        page: Sequence[_Unit],
        number: int,
        *,
        pages: int = 99,
        worst: bool = False,
    ) -> Answer:
        answer = self.answer
        section = answer.sections[index]
        heading = one_line(section.heading) or "Details"
        marker = f" · {number + 1}/{pages}" if pages > 1 else ""
        claims = sorted({u.claim for u in page if u.item is not None})
        total = len(section.items)
        span = f"{claims[0] + 1}–{claims[-1] + 1} of {total}" if claims else ""
        quoted = any(u.item.citations for u in page if u.item is not None)
        # Measured with every control, each naming a view of its own: buttons naming the same
        # view share an id, and Slack's renderer keeps one of them, so a page measured with
        # FIRST everywhere would have fewer buttons than the page shown.
        pairs: list[tuple[str, ViewRef | None]] = [
            (PREV, self._step(index, number, -1) if not worst else _worst(ViewKind.SECTION, 1)),
            (NEXT, self._step(index, number, +1) if not worst else _worst(ViewKind.SECTION, 0)),
        ]
        if worst:
            pairs.append((QUOTES, _worst(ViewKind.QUOTES, 0)))
        elif quoted:
            pairs.append((QUOTES, self._quotes_for(index, claims[0]) if claims else FIRST))
        pairs.append((BACK, FIRST))
        return Answer(
            title=self.title,
            sections=(_section_of(section, page, heading + marker),),
            link=answer.link,
            footer=f"{heading}: {span}" if span else None,
            actions=self.controls(*pairs),
            tone=answer.tone,
            private=answer.private,
            image=answer.image,
            quotes=False,
        )

    def _step(self, index: int, number: int, step: int) -> ViewRef | None:
        """The page before or after ``number`` of section ``index``, across sections."""
        if 0 <= number + step < len(self.section_pages(index)):
            return ViewRef(ViewKind.SECTION, index, number + step)
        other = index + step
        while 0 <= other < len(self.answer.sections):
            if self.units[other]:
                last = len(self.section_pages(other)) - 1 if step < 0 else 0
                return ViewRef(ViewKind.SECTION, other, last)
            other += step
        return None

    # -- quotes views -------------------------------------------------------------------------

    def quoted_items(self, index: int) -> list[Item]:
        """The claims (whole) behind a quotes view: a section's, or the first view's."""
        if index == LEAD:
            picked = [
                (i, u.claim)
                for i, units in enumerate(self.lead()[1])
                for u in units
                if u.item is not None
            ]
            claims = [self.answer.sections[i].items[n] for i, n in dict.fromkeys(picked)]
        else:
            claims = list(self.answer.sections[index].items)
        return [c for c in claims if c.citations]

    def quote_pages(self, index: int) -> list[list[_Unit]]:
        if index not in self._quote_pages:
            self._quote_pages[index] = self._paginate_quotes(index)
        return self._quote_pages[index]

    def _paginate_quotes(self, index: int) -> list[list[_Unit]]:
        units: list[_Unit] = []
        for n, item in enumerate(self.quoted_items(index)):
            units += [_Unit(n, piece) for piece in quote_pieces(item)]
        return paginate(units, lambda page: fits(self._quotes(index, page, WORST_PAGE, worst=True)))

    def _quotes_for(self, index: int, claim: int) -> ViewRef:
        """The quotes page holding the quotes of the ``claim``-th item of section ``index``."""
        section_items = self.answer.sections[index].items
        cited = [n for n, i in enumerate(section_items) if i.citations]
        position = next((k for k, n in enumerate(cited) if n >= claim), 0)
        for number, page in enumerate(self.quote_pages(index)):
            if any(u.claim >= position for u in page):
                return ViewRef(ViewKind.QUOTES, index, number)
        return ViewRef(ViewKind.QUOTES, index, 0)

    def quotes(self, ref: ViewRef) -> Answer:
        pages = self.quote_pages(ref.section)
        return self._quotes(ref.section, pages[ref.page], ref.page, pages=len(pages))

    def _quotes(
        self,
        index: int,
        page: Sequence[_Unit],
        number: int,
        *,
        pages: int = 99,
        worst: bool = False,
    ) -> Answer:
        answer = self.answer
        heading = "" if index == LEAD else one_line(answer.sections[index].heading)
        marker = f" · {number + 1}/{pages}" if pages > 1 else ""
        where = heading or "on the first view"
        pairs: list[tuple[str, ViewRef | None]] = []
        if number > 0 or worst:
            pairs.append((PREV, ViewRef(ViewKind.QUOTES, index, max(number - 1, 0))))
        if number + 1 < pages or worst:
            pairs.append((NEXT, ViewRef(ViewKind.QUOTES, index, number + 1)))
        if index != LEAD:
            pairs.append((CLAIMS, ViewRef(ViewKind.SECTION, index, 0)))
        pairs.append((BACK, FIRST))
        return Answer(
            title=self.title,
            summary="The article's own sentences behind the claims (¶ is the paragraph).",
            sections=(
                Section(
                    f"Quotes — {where}{marker}",
                    tuple(u.item for u in page if u.item is not None),
                ),
            ),
            link=answer.link,
            actions=self.controls(*pairs),
            tone=answer.tone,
            private=answer.private,
            image=answer.image,
        )

    # -- cutting ------------------------------------------------------------------------------

    def _units(self, section: Section) -> list[_Unit]:
        """A section's text in pieces, then its items, each long one in pieces that keep its
        citations (so its markers show wherever a piece is shown)."""
        units = (
            [_Unit(-1, text=t) for t in fit(section.text, piece(section.text))]
            if has_text(section.text)
            else []
        )
        for n, item in enumerate(section.items):
            if len(item.text) <= piece(item.text):
                units.append(_Unit(n, item))
            else:
                pieces = fit(item.text, piece(item.text))
                units += [_Unit(n, Item(t, item.citations)) for t in pieces]
        return units


def _worst(kind: ViewKind, back: int) -> ViewRef:
    """A reference as long as any a page's controls carry, distinct per ``kind`` and ``back``."""
    return ViewRef(kind, WORST_PAGE, WORST_PAGE - back)


def _summary(summary: str) -> str:
    return shorten(summary.strip(), SUMMARY_CAP) if has_text(summary) else ""


def _label(section: Section) -> str:
    """A part's button: its heading and how many entries it holds (once: a heading that
    already ends in its count, like the stance map's "Opposed (2)", keeps its own)."""
    heading = one_line(section.heading) or "Details"
    count = f"({len(section.items)})"
    if heading.endswith(count):
        heading = heading[: -len(count)].rstrip()
    return f"{shorten(heading, 60)} {count}"


__all__ = [
    "FIRST",
    "LEAD",
    "Origin",
    "ViewKind",
    "ViewRef",
    "first_view",
    "fits",
    "view",
    "view_action",
    "view_target",
]
