"""Whole-story questions — "why?", "why now?", "what's next?", "who's against it?" — and how
they map to the briefing's own structure instead of to keywords.

A question is about the whole story when, besides its cue ("why", "next", "against" …), it says
nothing but filler, pronouns ("it", "this") and the story's own terms (the briefing's
``vocabulary``: "the deal", "the rapprochement").
"""

from __future__ import annotations

import re
from enum import StrEnum


class Story(StrEnum):
    WHY_NOW = "why now"
    AGAINST = "against"
    FOR = "for"
    OBSTACLES = "obstacles"
    NEXT = "next"
    WHY = "why"
    WHO = "who"
    OVERVIEW = "overview"


# In order of precedence, read on the folded question.
_CUES: tuple[tuple[Story, re.Pattern[str]], ...] = (
    (Story.WHY_NOW, re.compile(r"\bwhy (now|this year|at this (time|point))\b|\btiming\b")),
    (
        Story.AGAINST,
        re.compile(
            r"\bagainst\b|\boppos(e|es|ed|ing)\b|\bobject(s|ed|ing|ions?)?\b|\bresist\w*\b"
            r"|\bcritics?\b|\bcriticis\w*\b|\bcriticiz\w*\b|\benem(y|ies)\b"
            r"|\bwho (doesn t|does not|don t) want\b"
        ),
    ),
    (
        Story.FOR,
        re.compile(
            r"\bsupport\w*\b|\bbacks?\b|\bbacking\b|\bbackers\b|\bhelp\w*\b|\ballies\b"
            r"|\bin favou?r\b|\bwho (wants|is for|s for)\b|\bfacilitat\w*\b|\bbehind it\b"
        ),
    ),
    (
        Story.OBSTACLES,
        re.compile(
            r"\bobstacles?\b|\bhurdles?\b|\bproblems?\b|\brisks?\b|\bin the way\b|\bgo wrong\b"
            r"|\bchalleng\w*\b|\bdifficult\w*\b|\bhard\b|\bblock\w*\b|\bbarriers?\b"
            r"|\bstand in\b|\bstop (it|this)\b"
        ),
    ),
    (
        Story.NEXT,
        re.compile(
            r"\bnext\b|\bwhat now\b|\bso what\b|\bfuture\b|\boutlook\b|\bahead\b"
            r"|\bwhat (will|would|could) happen\b|\bwhat happens\b|\bto watch\b|\bexpect\w*\b"
            r"|\bprospects?\b|\bwhere is (it|this) (going|heading)\b"
            r"|\bwill (it|this) (last|hold|work|succeed|happen)\b"
        ),
    ),
    (
        Story.WHY,
        re.compile(
            r"\bwhy\b|\breasons?\b|\bmotives?\b|\bmotivations?\b|\bdriv(e|es|ing|ers)\b"
            r"|\bwhat s behind\b|\bcauses?\b|\bpurpose\b"
        ),
    ),
    (
        Story.WHO,
        re.compile(
            r"\bwho (is|s|are) involved\b|\bwho (are|is) the (players|actors|parties)\b"
            r"|\bplayers\b|\bparties involved\b|\bwhich countries\b|\bwho matters\b"
        ),
    ),
    (
        Story.OVERVIEW,
        re.compile(
            r"\bsummar\w*\b|\btl ?dr\b|\boverview\b|\bgist\b|\bwhat (is|s) (this|it) about\b"
            r"|\bwhat happened\b|\bwhat (is|s) going on\b|\bbackground\b|\bcontext\b"
            r"|\bexplain\b|\bthe story\b|\bbig picture\b"
        ),
    ),
)

#: Words that can stand in a whole-story question without making it about something else.
_FILLER_TEXT = """
    it this that they them so and then happening happen going on really exactly anyway all
    whole thing things story situation about ok okay hmm well there now ever at point time
    again also tell me us please explain anything everything something go
    why reason reasons motive motives motivation motivations drive drives driving drivers
    behind cause causes purpose next future outlook ahead expect expected expecting prospect
    prospects watch last hold work succeed heading against oppose opposes opposed opposing
    object objects objected objecting objection objections resist resists resisting
    resistance critic critics criticise criticises criticize criticizes enemy enemies want
    wants support supports supporting supporters supporter back backs backing backers help
    helps helping allies favour favor facilitate facilitates facilitating obstacle obstacles
    hurdle hurdles problem problems risk risks way wrong challenge challenges challenging
    difficult difficulty difficulties hard block blocks blocking barrier barriers stand stop
    involved players actors parties countries matters summary summarise summarize tl dr tldr
    overview gist happened background context big picture timing year
    """
FILLER = frozenset(_FILLER_TEXT.split())


def story_cue(folded_question: str) -> Story | None:
    """The whole-story question this wording asks, if any (whether it is about the whole
    story, rather than one actor, is for the caller to decide)."""
    return next((story for story, pattern in _CUES if pattern.search(folded_question)), None)


AGAINST_LABEL = re.compile(r"oppos|against|resist|hostile|object", re.IGNORECASE)
FOR_LABEL = re.compile(r"driv|support|facilitat|back|favou?r|push|lead|seek", re.IGNORECASE)
ENGAGED_LABEL = re.compile(r"engag|taking part|involved|particip", re.IGNORECASE)


def side_of(label: str, side: str | None) -> str:
    """An actor's side (for, against, engaged, unstated): as the content says, else from its
    stance label's words."""
    if side:
        return side
    if AGAINST_LABEL.search(label):
        return "against"
    if ENGAGED_LABEL.search(label):
        return "engaged"
    if FOR_LABEL.search(label) and not re.search(r"\bno\b|not|unstated|unclear", label, re.I):
        return "for"
    return "unstated"
