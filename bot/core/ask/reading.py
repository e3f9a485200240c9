"""Reading a question against one briefing: the actors and names it uses, and its search terms.

This is the first step of ``Asker.ask`` (coverage): every name the question uses — an actor's
name or alias, a gazetteer name (``gazetteer``), a capitalised word inside a sentence, a year or
a large number — is looked up in what the briefing says. A name the briefing does not contain
is *missing*; a word that is neither known nor a real name may be a typo of one of the
briefing's names (``typos``) and is read as that name, saying so. What is left becomes weighted
search terms, with the briefing's own vocabulary adding its synonyms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.ask.gazetteer import gazetteer
from bot.core.ask.question import Word, capitals_mean_names, read_words, span
from bot.core.ask.story import FILLER
from bot.core.ask.typos import best_typo
from bot.core.briefing import Briefing
from bot.core.textnorm import fold
from bot.core.wordforms import STOPWORDS, is_content, stem, terms

__all__ = ["NOTABLE_NUMBER", "SYNONYM_WEIGHT", "UNITS", "Reader", "Reading"]

#: A year, or any number at least this large, is a name-like fact the briefing must contain.
NOTABLE_NUMBER = 100
UNITS = frozenset(["million", "billion", "thousand", "percent", "bn", "per", "trillion"])
SYNONYM_WEIGHT = 0.8


@dataclass
class Reading:
    """The working state while one question is read."""

    words: list[Word]
    used: list[bool]
    weights: dict[str, float] = field(default_factory=dict)
    actors: dict[str, None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    ambiguous: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: stems of words that only name a covered thing or an actor (not a topic of their own)
    name_stems: set[str] = field(default_factory=set)

    def free(self, i: int, size: int = 1) -> bool:
        return not any(self.used[i : i + size])

    def take(self, i: int, size: int = 1) -> None:
        for j in range(i, i + size):
            self.used[j] = True


class Reader:
    """Reads questions against one briefing (built once per loaded briefing version).

    ``aliases`` (folded name → actor id), ``exact_case`` (names that are also common words,
    like "US", as they must be written) and ``filler`` (stems that add nothing to a whole-story
    question) are read by ``Asker`` too.
    """

    def __init__(self, briefing: Briefing) -> None:
        self._names = {a.id: a.name for a in briefing.actors}
        self.aliases: dict[str, str] = {}
        self.exact_case: dict[str, str] = {}
        self._suffixes: dict[str, set[str]] = {}
        self._name_words: dict[str, set[str]] = {}
        for actor in briefing.actors:
            for label in (actor.name, actor.id.replace("-", " "), *actor.aliases):
                key = fold(label).removeprefix("the ")
                if not key:
                    continue
                self.aliases.setdefault(key, actor.id)
                if all(w in STOPWORDS for w in key.split()):
                    # "US" is also "us": only the capitals make it a name.
                    self.exact_case[key] = " ".join(w for w in _surface_words(label))
                words = key.split()
                for k in range(1, len(words)):
                    self._suffixes.setdefault(" ".join(words[k:]), set()).add(actor.id)
                for w in words:
                    if len(w) >= 4 and w.isalpha():
                        self._name_words.setdefault(w, set()).add(actor.id)
        self._longest_alias = max((len(k.split()) for k in self.aliases), default=1)
        texts = list(_briefing_texts(briefing))
        folded_words = [w for t in texts for w in fold(t).split()]
        self._known_words = set(folded_words)
        self._known_stems = {stem(w) for w in self._known_words}
        self._covered_text = " " + " ".join(stem(w) for w in folded_words) + " "
        self._long_words = sorted(w for w in self._known_words if len(w) >= 7 and w.isalpha())
        self._covered_names: dict[int, tuple[str, ...] | None] = {}
        self._synonyms: list[tuple[frozenset[str], tuple[str, ...]]] = []
        topic: set[str] = set()
        for head, words_for in briefing.vocabulary.items():
            head_terms = tuple(terms(head))
            topic.update(head_terms)
            for synonym in words_for:
                syn = frozenset(terms(synonym))
                if syn:
                    self._synonyms.append((syn, head_terms))
                    topic.update(syn)
        self._topic = frozenset(topic)
        self.filler = frozenset(stem(w) for w in FILLER) | self._topic

    def read(self, question: str) -> Reading:
        """The actors, names, corrections and search terms of ``question``."""
        words = read_words(question[:1000])
        reading = Reading(words, [False] * len(words))
        self._read_actors(reading)
        self._read_names(reading, question)
        self._read_typos(reading)
        self._read_capitals(reading, question)
        self._read_terms(reading)
        return reading

    def _read_actors(self, r: Reading) -> None:
        """Actors named by any name or alias (longest first); bare words that end several
        actors' names ("opposition") are ambiguous and name all of them."""
        folded = [w.folded for w in r.words]
        i = 0
        while i < len(folded):
            size = 0
            for n in range(min(self._longest_alias, len(folded) - i), 0, -1):
                key = " ".join(folded[i : i + n])
                actor = self.aliases.get(key)
                if actor is None:
                    continue
                exact = self.exact_case.get(key)
                if exact is not None and " ".join(w.surface for w in r.words[i : i + n]) != exact:
                    continue
                r.actors.setdefault(actor, None)
                r.take(i, n)
                # "US" or "U.S." folds to stopwords: search by the actor's name instead.
                for t in terms(key) or terms(self._names[actor]):
                    r.weights[t] = 1.0
                    r.name_stems.add(t)
                size = n
                break
            if not size:
                either = self._suffixes.get(folded[i], set())
                if len(either) > 1 and is_content(folded[i]):
                    ids = tuple(a for a in self._names if a in either)
                    r.ambiguous.append((r.words[i].surface, tuple(self._names[a] for a in ids)))
                    for a in ids:
                        r.actors.setdefault(a, None)
                    r.take(i)
                    r.weights[stem(folded[i])] = 1.0
                    r.name_stems.add(stem(folded[i]))
            i += size or 1

    def _read_names(self, r: Reading, question: str) -> None:
        """Gazetteer names and notable numbers: covered, or missing."""
        folded = [w.folded for w in r.words]
        surfaces = [w.surface for w in r.words]
        gaz = gazetteer()
        caps_ok = capitals_mean_names(r.words)
        i = 0
        while i < len(r.words):
            word = r.words[i]
            if not r.free(i):
                i += 1
                continue
            found, size = gaz.find(folded, surfaces, i)
            if found >= 0 and not caps_ok and " ".join(folded[i : i + size]) in gaz.exact:
                found = -1  # in Title Case or ALL CAPS, "IS" is just "is"
            if found >= 0 and r.free(i, size):
                covered = self._covered_name(found)
                if covered is None:
                    r.missing.append(gaz.names[found].display)
                else:
                    for variant in covered:
                        for t in terms(variant):
                            r.weights[t] = max(r.weights.get(t, 0.0), 1.0)
                            r.name_stems.add(t)
                r.take(i, size)
                i += size
                continue
            if word.is_number:
                n = 2 if i + 1 < len(r.words) and folded[i + 1] in UNITS else 1
                if _notable(word.folded, n > 1):
                    phrase = " ".join(stem(w) for w in folded[i : i + n])
                    if f" {phrase} " not in self._covered_text:
                        r.missing.append(span(question, r.words[i : i + n]))
                        r.take(i, n)
                i += n
                continue
            i += 1

    def _read_typos(self, r: Reading) -> None:
        """Unknown words that are typos of a briefing name (or, if long, of a briefing word)."""
        gaz = gazetteer()
        for i, word in enumerate(r.words):
            w = word.folded
            if (
                not r.free(i)
                or not w.isalpha()
                or len(w) < 4
                or not is_content(w)
                or w in self._known_words
                or stem(w) in self._known_stems
                or w in gaz.index
            ):
                continue
            name = best_typo(w, list(self._name_words))
            if name is not None:
                ids = self._name_words[name]
                r.take(i)
                r.weights[stem(name)] = 1.0
                if len(ids) == 1:
                    [actor] = ids
                    r.actors.setdefault(actor, None)
                    r.name_stems.add(stem(name))
                    r.corrections.append((word.surface, self._names[actor]))
                else:
                    r.corrections.append((word.surface, name))
                continue
            if len(w) >= 7:
                close = best_typo(w, self._long_words)
                if close is not None:
                    r.take(i)
                    r.weights[stem(close)] = 1.0
                    r.corrections.append((word.surface, close))

    def _read_capitals(self, r: Reading, question: str) -> None:
        """Capitalised words inside a sentence that the briefing does not know: names it
        does not mention. A run of capitalised words ("Turkish Army") is reported whole."""
        if not capitals_mean_names(r.words):
            return
        run: list[int] = []
        for i, word in enumerate([*r.words, None]):
            if word is not None and word.capital and not word.initial and word.folded.isalpha():
                run.append(i)
                continue
            unknown = [
                j
                for j in run
                if r.free(j)
                and is_content(r.words[j].folded)
                and stem(r.words[j].folded) not in self._known_stems
                and stem(r.words[j].folded) not in self.filler
            ]
            if unknown:
                r.missing.append(span(question, [r.words[j] for j in run]))
                for j in unknown:
                    r.take(j)
            run = []

    def _read_terms(self, r: Reading) -> None:
        """What is left, as weighted search terms; story-vocabulary synonyms add their term."""
        for i, word in enumerate(r.words):
            if r.free(i) and is_content(word.folded):
                t = stem(word.folded)
                r.weights[t] = max(r.weights.get(t, 0.0), 1.0)
        present = set(r.weights)
        for synonym, head in self._synonyms:
            if synonym <= present:
                for t in head:
                    r.weights[t] = max(r.weights.get(t, 0.0), SYNONYM_WEIGHT)

    def _covered_name(self, index: int) -> tuple[str, ...] | None:
        """The variants of a gazetteer name that the briefing contains (None if none)."""
        if index not in self._covered_names:
            variants = gazetteer().names[index].variants
            inside = tuple(v for v in variants if f" {_stemmed(v)} " in self._covered_text)
            self._covered_names[index] = inside or None
        return self._covered_names[index]


def _stemmed(phrase: str) -> str:
    return " ".join(stem(w) for w in phrase.split())


def _notable(folded: str, with_unit: bool) -> bool:
    """Whether a number is a fact the briefing must hold (a year, a large number, 3 million)."""
    if with_unit:
        return True
    digits = folded.replace(",", "")
    return digits.isdigit() and int(digits) >= NOTABLE_NUMBER


def _surface_words(label: str) -> list[str]:
    return re.findall(r"\w+", label)


def _briefing_texts(b: Briefing) -> Iterable[str]:
    """Everything the briefing says or quotes: what coverage is checked against."""
    yield b.title
    yield b.question
    yield b.summary.text
    yield from (e.quote for e in b.summary.evidence)
    for c in (*b.key_points, *b.watch):
        yield c.text
        yield from (e.quote for e in c.evidence)
    for a in b.actors:
        yield from (a.name, a.kind, *a.aliases, a.stance.label, a.stance.explanation)
        yield from (e.quote for e in a.stance.evidence)
        for claim in (*a.interests, *a.constraints, *a.actions):
            yield claim.text
            yield from (e.quote for e in claim.evidence)
        for relation in a.relations:
            yield relation.kind
            yield relation.text
            yield from (e.quote for e in relation.evidence)
        yield from a.unknowns
    for e in b.timeline:
        yield from (e.when, e.text, *(x.quote for x in e.evidence))
    for f in b.figures:
        yield from (f.label, f.value, f.text, *(x.quote for x in f.evidence))
    for n in b.source_notes:
        yield n.text
        yield from (x.quote for x in n.evidence)
    yield from b.source.not_stated
    for head, words in b.vocabulary.items():
        yield head
        yield from words
