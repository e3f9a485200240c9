"""Reading a briefing's free-text stance labels and relation kinds into the map's vocabulary.

Authors write stance labels ("Driving rapprochement", "Engaged; own terms unstated") and
relation kinds ("courted by", "former backer of") in their own words. The map needs a band per
actor and a drawable edge per relation. An actor whose stance has a ``side`` (for, engaged,
against, unstated — the same field ``ask`` answers "who is against it?" from) goes where the
author put it; otherwise both are read by keyword: the earliest keyword in the
text decides (the longer one on a tie), a negation just before it ("not opposed") makes the
stance unclear rather than its opposite, and a label no rule knows falls into ``UNCLEAR`` — the
map never guesses a side. The label itself is always shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.textnorm import fold


class Band(StrEnum):
    """Where an actor stands on the briefing's question, left to right on the map."""

    DRIVING = "driving"
    ENGAGED = "engaged"
    OPPOSED = "opposed"
    UNCLEAR = "unclear"


BAND_TITLES: dict[Band, str] = {
    Band.DRIVING: "Driving / supporting",
    Band.ENGAGED: "Facilitating / engaged",
    Band.OPPOSED: "Opposed",
    Band.UNCLEAR: "Unclear or not stated",
}

#: The three bands of a stated position, in the order the map draws them.
STANCE_BANDS = (Band.DRIVING, Band.ENGAGED, Band.OPPOSED)


def _rules(table: dict[Band, str]) -> tuple[tuple[re.Pattern[str], Band], ...]:
    return tuple((re.compile(rf"\b(?:{pattern})"), band) for band, pattern in table.items())


# Patterns run on ``fold(label)``: lower-case ASCII words separated by single spaces.
_STANCE_RULES = _rules(
    {
        Band.UNCLEAR: r"unclear|unknown|undecided|uncommitted|unstated|ambiguous|silent"
        r"|not (?:stated|addressed|known|clear|specified|given|discussed|mentioned)"
        r"|no (?:stated |clear |known )?(?:position|stance|view)|n a\b",
        Band.DRIVING: r"driv|lead(?:s|ing)?\b|spearhead|initiat|support|back(?:s|ed|ing|er|ers)?\b"
        r"|champion|push|pursu|in favou?r|favou?r|endors|welcom|advocat|promot|propon|defend"
        r"|agree|commit|eager|enthusias|pro\b|seek",
        Band.ENGAGED: r"facilitat|mediat|broker|engag|participat|involv|open to|receptive"
        r"|cautious|hedg|conditional|wary|ambivalen|mixed|neutral|monitor|observ|watch"
        r"|negotiat|talks|tentativ|hesita|reluctan|optimis|pragmati|balanc",
        Band.OPPOSED: r"oppos|against|resist|reject|hostil|object|block|obstruct|anti\b"
        r"|critic|sceptic|skeptic|refus|condemn|denounc|veto|fight|threaten",
    }
)
_NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "non", "without", "hardly"})


def _earliest(
    text: str, rules: tuple[tuple[re.Pattern[str], Band], ...]
) -> tuple[re.Match[str], Band] | None:
    best: tuple[re.Match[str], Band] | None = None
    for pattern, band in rules:
        found = pattern.search(text)
        if found is None:
            continue
        if (
            best is None
            or found.start() < best[0].start()
            or (found.start() == best[0].start() and found.end() > best[0].end())
        ):
            best = (found, band)
    return best


#: The schema's ``stance.side`` (the author's own call) and the band it puts an actor in.
SIDE_BANDS: dict[str, Band] = {
    "for": Band.DRIVING,
    "engaged": Band.ENGAGED,
    "against": Band.OPPOSED,
    "unstated": Band.UNCLEAR,
}


def band_of(label: str, side: str | None = None) -> Band:
    """The band of a stance: its ``side`` when the author gave one, else read from the label
    (``UNCLEAR`` for anything the rules do not recognise)."""
    if side is not None:
        return SIDE_BANDS.get(side, Band.UNCLEAR)
    text = fold(label)
    hit = _earliest(text, _STANCE_RULES)
    if hit is None:
        return Band.UNCLEAR
    found, band = hit
    before = text[: found.start()].split()[-2:]
    if band is not Band.UNCLEAR and _NEGATIONS.intersection(before):
        return Band.UNCLEAR
    return band


def says_unclear(label: str) -> bool:
    """Whether the label itself says the stance is unknown ("Not stated", "No position
    stated"), as opposed to a stance no rule recognises ("Wants a better price")."""
    hit = _earliest(fold(label), _STANCE_RULES)
    return hit is not None and hit[1] is Band.UNCLEAR


class EdgeKind(StrEnum):
    """The families of relations the map draws, each with its own colour and line style."""

    BACKS = "backs"
    COURTS = "courts"
    PRESSURES = "pressures"
    OPPOSES = "opposes"
    AT_ODDS = "at-odds"
    COOPERATES = "cooperates"
    OTHER = "other"


#: Legend text of each kind of edge.
EDGE_TITLES: dict[EdgeKind, str] = {
    EdgeKind.BACKS: "backs / supports",
    EdgeKind.COURTS: "courts / seeks",
    EdgeKind.PRESSURES: "warns / criticises",
    EdgeKind.OPPOSES: "opposes / targets",
    EdgeKind.AT_ODDS: "at odds (mutual)",
    EdgeKind.COOPERATES: "works with (mutual)",
    EdgeKind.OTHER: "other link",
}

#: Kinds that hold both ways by nature: drawn without arrowheads.
MUTUAL_KINDS = frozenset({EdgeKind.AT_ODDS, EdgeKind.COOPERATES})


@dataclass(frozen=True)
class _VerbRule:
    pattern: re.Pattern[str]
    kind: EdgeKind
    verb: str
    passive: bool  # written from the object's side even without "by" ("at risk from")


def _verb(pattern: str, kind: EdgeKind, verb: str, *, passive: bool = False) -> _VerbRule:
    return _VerbRule(re.compile(rf"\b(?:{pattern})"), kind, verb, passive)


_RELATION_RULES: tuple[_VerbRule, ...] = (
    _verb(
        r"(?:seek|seeks|seeking|sought)\b.*\b(?:support|backing|backer|help|aid)",
        EdgeKind.COURTS,
        "seeks backing from",
    ),
    _verb(r"court", EdgeKind.COURTS, "courts"),
    _verb(r"woo", EdgeKind.COURTS, "woos"),
    _verb(r"rapproch|reconcil|normali[sz]", EdgeKind.COURTS, "seeks rapprochement"),
    _verb(r"seek|sought|reach(?:es|ing)? out|approach", EdgeKind.COURTS, "courts"),
    _verb(r"back(?:s|ed|ing|er|ers)?\b", EdgeKind.BACKS, "backs"),
    _verb(r"support", EdgeKind.BACKS, "supports"),
    _verb(r"host", EdgeKind.BACKS, "hosts"),
    _verb(r"arm(?:s|ed|ing)?\b", EdgeKind.BACKS, "arms"),
    _verb(r"fund", EdgeKind.BACKS, "funds"),
    _verb(r"sponsor|patron", EdgeKind.BACKS, "sponsors"),
    _verb(r"protect|shield|guarant", EdgeKind.BACKS, "protects"),
    _verb(r"aid(?:s|ed|ing)?\b|assist", EdgeKind.BACKS, "aids"),
    _verb(r"warn", EdgeKind.PRESSURES, "warns"),
    _verb(r"critici[sz]|critic\b|critical", EdgeKind.PRESSURES, "criticises"),
    _verb(r"challeng", EdgeKind.PRESSURES, "challenges"),
    _verb(r"pressur|press(?:es|ed|ing)?\b|demand|urg", EdgeKind.PRESSURES, "pressures"),
    _verb(
        r"at risk from|endangered by|menaced by|fears?\b|afraid of",
        EdgeKind.PRESSURES,
        "threatens",
        passive=True,
    ),
    _verb(r"threat", EdgeKind.PRESSURES, "threatens"),
    _verb(r"condemn|denounc", EdgeKind.PRESSURES, "condemns"),
    _verb(r"shun|isolat|snub|boycott", EdgeKind.PRESSURES, "shuns"),
    _verb(r"oppos|against", EdgeKind.OPPOSES, "opposes"),
    _verb(r"adversar|enem|foe", EdgeKind.OPPOSES, "adversary of"),
    _verb(r"target", EdgeKind.OPPOSES, "targets"),
    _verb(r"fight|attack|strik|bomb|war\b|at war", EdgeKind.OPPOSES, "fights"),
    _verb(r"embargo", EdgeKind.OPPOSES, "embargoes"),
    _verb(r"sanction", EdgeKind.OPPOSES, "sanctions"),
    _verb(r"resist|block|obstruct|hostil", EdgeKind.OPPOSES, "resists"),
    _verb(r"at odds|odds with", EdgeKind.AT_ODDS, "at odds"),
    _verb(
        r"strain|tension|friction|rival|disput|feud|clash|spat", EdgeKind.AT_ODDS, "strained ties"
    ),
    _verb(
        r"partner|cooperat|collaborat|work(?:s|ing)? with|ally|allied|allies|deal",
        EdgeKind.COOPERATES,
        "works with",
    ),
)
_PASSIVE = re.compile(r"\bby\b")
_FORMER = re.compile(r"\b(?:former|formerly|ex|once|previous|previously|no longer|used to)\b")
_BOTH_WAYS = re.compile(r"\b(?:mutual|mutually|each other|one another)\b")
_OTHER_LABEL_CHARS = 28


@dataclass(frozen=True)
class RelationReading:
    """What the map makes of one relation kind.

    ``reversed`` means the kind is written from the other side ("courted by": the related actor
    is the one courting). ``verb`` is the edge's label, read subject → object.
    """

    kind: EdgeKind
    verb: str
    reversed: bool = False
    mutual: bool = False
    former: bool = False


def read_relation(kind: str) -> RelationReading:
    """Read a relation kind such as "courted by" or "former backer of"."""
    text = fold(kind)
    best: tuple[re.Match[str], _VerbRule] | None = None
    for rule in _RELATION_RULES:
        found = rule.pattern.search(text)
        if found is None:
            continue
        if (
            best is None
            or found.start() < best[0].start()
            or (found.start() == best[0].start() and found.end() > best[0].end())
        ):
            best = (found, rule)
    former = _FORMER.search(text) is not None
    if best is None:
        label = " ".join(kind.split())
        if len(label) > _OTHER_LABEL_CHARS:
            label = label[: _OTHER_LABEL_CHARS - 1].rstrip() + "…"
        return RelationReading(EdgeKind.OTHER, label, former=former)
    rule = best[1]
    return RelationReading(
        rule.kind,
        rule.verb,
        reversed=rule.passive or _PASSIVE.search(text) is not None,
        mutual=rule.kind in MUTUAL_KINDS or _BOTH_WAYS.search(text) is not None,
        former=former,
    )
