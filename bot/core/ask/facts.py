"""Kinds of fact a question asks for, and which claims hold one.

"How much has the war cost?" wants a sum of money; "how many died?" a toll; "when will the
summit happen?" a date that is still to come. If no claim or figure of the briefing holds that
kind of fact about the question's subject, the honest answer is "the article doesn't say".
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.retrieval import Passage


class Fact(StrEnum):
    COST = "cost"
    TOLL = "toll"
    FUTURE_DATE = "future date"
    DATE = "date"
    DURATION = "duration"
    COUNT = "count"


#: How an answer that lacks the fact reads: "The article doesn't say …" and "… gives no …".
SAYS: dict[Fact, tuple[str, str]] = {
    Fact.COST: ("how much it cost", "a cost or sum of money"),
    Fact.TOLL: ("how many died", "a death toll"),
    Fact.FUTURE_DATE: ("when", "a date"),
    Fact.DATE: ("when", "a date"),
    Fact.DURATION: ("how long", "a duration"),
    Fact.COUNT: ("how many", "a number"),
}

# Read on the folded question (lower case, words separated by single spaces).
_ASKS: tuple[tuple[Fact, re.Pattern[str]], ...] = (
    (
        Fact.COST,
        re.compile(
            r"\b(how much|what) (\w+ ){0,6}(cost|costs|costing|spend|spent|pay|paid|price)\b"
            r"|\bhow expensive\b|\b(cost|price|bill) of\b|\bhow much money\b"
        ),
    ),
    (
        Fact.TOLL,
        re.compile(
            r"\b(death toll|toll|casualties|fatalities)\b"
            r"|\bhow many (\w+ ){0,4}(killed|died|dead|deaths|wounded|injured|lives)\b"
            r"|\bnumber of (deaths|dead|casualties)\b"
        ),
    ),
    (
        Fact.FUTURE_DATE,
        re.compile(
            r"\bwhen (will|would|shall|could|might)\b|\bwhen (is|are) (\w+ ){0,5}"
            r"(expected|scheduled|due|planned|going to|set to|likely)\b"
            r"|\bby when\b|\bhow soon\b|\bhow long until\b"
        ),
    ),
    (Fact.DURATION, re.compile(r"\bhow long\b(?! ago)")),
    (
        Fact.DATE,
        re.compile(r"\bwhen\b|\b(what|which) (year|month|date)\b|\bsince when\b|\bhow long ago\b"),
    ),
    (
        Fact.COUNT,
        re.compile(
            r"\bhow (many|much|big|large)\b|\bwhat (number|percentage|share|proportion)\b"
            r"|\bnumber of\b"
        ),
    ),
)

#: Words that only say which kind of fact is wanted, not what it is about.
_CUES_TEXT = """
    how much many cost costs costing spend spent pay paid price prices expensive money bill
    toll death deaths dead died die killed casualties fatalities wounded injured lives lost
    people number numbers when date dates year years month soon long until ago happen happens
    happened take place scheduled expected due planned going set likely percentage share
    proportion big large total figure figures
    """
CUES = frozenset(_CUES_TEXT.split())


def asked_fact(folded_question: str) -> Fact | None:
    """The kind of fact the question asks for, if it asks for one."""
    text = folded_question.replace("cost effective", "costeffective")
    return next((fact for fact, pattern in _ASKS if pattern.search(text)), None)


_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?"
    r"|thousands?|millions?|billions?|half|a third|a quarter)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£¥₺]|\b(usd|eur|dollars?|euros?|lira|liras|pounds sterling|rubles?|roubles?)\b",
    re.IGNORECASE,
)
_TOLL = re.compile(
    r"\b(killed|died|dead|deaths|casualties|fatalities|wounded|injured|death toll)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september"
    r"|october|november|december|spring|summer|autumn|winter)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(r"\b(decades?|years?|months?|weeks?|days?)\b", re.IGNORECASE)
_SCHEDULED = re.compile(
    r"\b(scheduled|planned|expected|upcoming|due|set for|to be held)\b", re.IGNORECASE
)


def held_facts(passage: Passage) -> frozenset[Fact]:
    """The kinds of fact a passage can answer.

    Dates come only from the timeline and from figures whose value is a date, and numbers only
    from figures: a claim that mentions a year in passing does not date everything it says.
    Money and tolls count wherever a claim states them with a number.
    """
    text = passage.text + " " + " ".join(c.quote for c in passage.citations)
    found: set[Fact] = set()
    if _MONEY.search(text) and _NUMBER.search(text):
        found.add(Fact.COST)
    if _TOLL.search(text) and _NUMBER.search(text):
        found.add(Fact.TOLL)
    if passage.kind == "timeline" or (passage.kind == "figure" and _DATE.search(passage.value)):
        found.add(Fact.DATE)
        if _SCHEDULED.search(passage.text):
            found.add(Fact.FUTURE_DATE)
    if passage.kind == "figure":
        if _NUMBER.search(passage.value):
            found.add(Fact.COUNT)
        if _DURATION.search(passage.value):
            found.add(Fact.DURATION)
    return frozenset(found)
