"""Answering a question from one briefing: coverage, then answerability, then ranking.

1. **Coverage.** Every name the question uses — an actor's name or alias, a name from the
   gazetteer (countries, places, organisations, people, months), a capitalised word inside a
   sentence, a year or a large number — must be in the briefing. If one is not, the reply says
   so first ("The briefing doesn't mention Israel."); claims about other actors are offered
   only as related, never as the answer. A word that is neither known nor a real name may be a
   typo of one of the briefing's names (``typos``) and is read as that name, saying so.
2. **Whole story.** "Why?", "what's next?", "who's against it?" with nothing else in them are
   answered from the briefing's structure (``story``).
3. **Answerability.** A question for a kind of fact (``facts``: a cost, a toll, a date, a
   number) is answered only by a claim or figure that holds such a fact about its subject;
   otherwise the reply is "the article doesn't say", with related claims labelled as such.
4. **Ranking.** Otherwise the best cited claims (``bot.core.retrieval``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core.ask.facts import CUES, Fact, asked_fact, held_facts
from bot.core.ask.gazetteer import gazetteer
from bot.core.ask.question import Word, capitals_mean_names, read_words, span
from bot.core.ask.story import FILLER, Story, side_of, story_cue
from bot.core.ask.typos import best_typo
from bot.core.briefing import Briefing
from bot.core.retrieval import MIN_SCORE, Hit, Passage, Retriever
from bot.core.textnorm import fold
from bot.core.wordforms import STOPWORDS, is_content, stem, terms

#: Question words → the kinds of claim they favour.
INTENTS: dict[str, tuple[str, ...]] = {
    "why": ("interest",),
    "motiv": ("interest",),
    "motive": ("interest",),
    "want": ("interest",),
    "goal": ("interest",),
    "aim": ("interest",),
    "support": ("stance", "interest", "action"),
    "oppos": ("stance", "constraint"),
    "against": ("stance", "constraint"),
    "risk": ("constraint", "watch"),
    "worri": ("constraint",),
    "concern": ("constraint",),
    "obstacl": ("constraint",),
    "when": ("timeline",),
    "date": ("timeline",),
    "year": ("timeline",),
    "mani": ("figure",),
    "much": ("figure",),
    "number": ("figure",),
    "next": ("watch",),
    "watch": ("watch",),
    "futur": ("watch",),
    "did": ("action", "timeline"),
}

#: A year, or any number at least this large, is a name-like fact the briefing must contain.
NOTABLE_NUMBER = 100
UNITS = frozenset(["million", "billion", "thousand", "percent", "bn", "per", "trillion"])
#: Related claims shown beside "not mentioned" / "doesn't say" must match at least this well.
RELATED_SCORE = MIN_SCORE * 1.5
SYNONYM_WEIGHT = 0.8


class ReplyKind(StrEnum):
    FOUND = "found"  # claims that answer it
    NOT_MENTIONED = "not mentioned"  # the question names something the briefing does not
    NOT_SAID = "not said"  # asks for a kind of fact no claim holds
    STORY = "story"  # a whole-story question, answered from the briefing's structure
    NOT_FOUND = "not found"  # nothing matches


@dataclass(frozen=True)
class StorySection:
    heading: str
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Reply:
    """What ``ask`` found, before it becomes an answer."""

    kind: ReplyKind
    #: FOUND: the answer, best first. NOT_MENTIONED / NOT_SAID: related claims, not the answer.
    hits: tuple[Hit, ...] = ()
    #: Names the question uses that the briefing does not mention, as typed or as listed.
    missing: tuple[str, ...] = ()
    fact: Fact | None = None
    story: Story | None = None
    sections: tuple[StorySection, ...] = ()
    #: (as typed, read as) for words read as a typo of a briefing name.
    corrections: tuple[tuple[str, str], ...] = ()
    #: (as typed, the actors it could mean) for bare words like "opposition".
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Ids of the actors the question names.
    actors: tuple[str, ...] = ()


@dataclass
class _Reading:
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


class Asker:
    """Answers questions from one briefing (built once per loaded briefing version)."""

    def __init__(self, briefing: Briefing) -> None:
        self.briefing = briefing
        self.retriever = Retriever(briefing)
        self.passages = self.retriever.passages
        self._facts = [held_facts(p) for p in self.passages]
        self._names = {a.id: a.name for a in briefing.actors}
        self._aliases: dict[str, str] = {}
        self._exact_case: dict[str, str] = {}
        self._suffixes: dict[str, set[str]] = {}
        self._name_words: dict[str, set[str]] = {}
        for actor in briefing.actors:
            for label in (actor.name, actor.id.replace("-", " "), *actor.aliases):
                key = fold(label).removeprefix("the ")
                if not key:
                    continue
                self._aliases.setdefault(key, actor.id)
                if all(w in STOPWORDS for w in key.split()):
                    # "US" is also "us": only the capitals make it a name.
                    self._exact_case[key] = " ".join(w for w in _surface_words(label))
                words = key.split()
                for k in range(1, len(words)):
                    self._suffixes.setdefault(" ".join(words[k:]), set()).add(actor.id)
                for w in words:
                    if len(w) >= 4 and w.isalpha():
                        self._name_words.setdefault(w, set()).add(actor.id)
        self._longest_alias = max((len(k.split()) for k in self._aliases), default=1)
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
        self._filler = frozenset(stem(w) for w in FILLER) | self._topic

    # -- the question --------------------------------------------------------------------------

    def ask(self, question: str) -> Reply:
        """Read ``question`` against the briefing and say what answers it."""
        words = read_words(question[:1000])
        reading = _Reading(words, [False] * len(words))
        self._read_actors(reading)
        self._read_names(reading, question)
        self._read_typos(reading)
        self._read_capitals(reading, question)
        self._read_terms(reading)
        folded = " ".join(w.folded for w in words)
        actors = tuple(reading.actors)
        base = Reply(
            ReplyKind.NOT_FOUND,
            corrections=tuple(reading.corrections),
            ambiguous=tuple(reading.ambiguous),
            actors=actors,
        )
        favour = self._favoured(words)
        if reading.missing:
            # Only what it says about the actors the question also names: claims about
            # whatever else shares a word with the question would read as the answer.
            related = self._related(reading.weights, actors, favour, only_actors=True)
            return replace(
                base,
                kind=ReplyKind.NOT_MENTIONED,
                hits=tuple(related),
                missing=tuple(dict.fromkeys(reading.missing)),
            )
        cue = story_cue(folded)
        if cue and not actors and self._whole_story(reading):
            sections = self._story(cue)
            if sections:
                return replace(base, kind=ReplyKind.STORY, story=cue, sections=sections)
        fact = asked_fact(folded)
        if fact is not None:
            found = self._facts_about(fact, reading, actors)
            if not found:
                topic = {t: w for t, w in reading.weights.items() if t not in _CUE_STEMS}
                related = self._related(topic, actors, favour)
                return replace(base, kind=ReplyKind.NOT_SAID, hits=tuple(related), fact=fact)
            rest = self.retriever.search(reading.weights, actors=actors, favour=favour)
            return replace(base, kind=ReplyKind.FOUND, hits=tuple(_merge(found, rest)), fact=fact)
        hits = self.retriever.search(reading.weights, actors=actors, favour=favour)
        kind = ReplyKind.FOUND if hits else ReplyKind.NOT_FOUND
        return replace(base, kind=kind, hits=tuple(hits))

    def _read_actors(self, r: _Reading) -> None:
        """Actors named by any name or alias (longest first); bare words that end several
        actors' names ("opposition") are ambiguous and name all of them."""
        folded = [w.folded for w in r.words]
        i = 0
        while i < len(folded):
            size = 0
            for n in range(min(self._longest_alias, len(folded) - i), 0, -1):
                key = " ".join(folded[i : i + n])
                actor = self._aliases.get(key)
                if actor is None:
                    continue
                exact = self._exact_case.get(key)
                if exact is not None and " ".join(w.surface for w in r.words[i : i + n]) != exact:
                    continue
                r.actors.setdefault(actor, None)
                r.take(i, n)
                for t in terms(" ".join(folded[i : i + n])):
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

    def _read_names(self, r: _Reading, question: str) -> None:
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

    def _read_typos(self, r: _Reading) -> None:
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

    def _read_capitals(self, r: _Reading, question: str) -> None:
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
                and stem(r.words[j].folded) not in self._filler
            ]
            if unknown:
                r.missing.append(span(question, [r.words[j] for j in run]))
                for j in unknown:
                    r.take(j)
            run = []

    def _read_terms(self, r: _Reading) -> None:
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

    def _favoured(self, words: list[Word]) -> set[str]:
        return {
            kind
            for w in words
            for cue in {w.folded, stem(w.folded)}
            for kind in INTENTS.get(cue, ())
        }

    def _covered_name(self, index: int) -> tuple[str, ...] | None:
        """The variants of a gazetteer name that the briefing contains (None if none)."""
        if index not in self._covered_names:
            variants = gazetteer().names[index].variants
            inside = tuple(v for v in variants if f" {_stemmed(v)} " in self._covered_text)
            self._covered_names[index] = inside or None
        return self._covered_names[index]

    def _related(
        self,
        weights: dict[str, float],
        actors: tuple[str, ...],
        favour: set[str],
        *,
        only_actors: bool = False,
    ) -> list[Hit]:
        if only_actors:
            if not actors:
                return []
            where = [i for i, p in enumerate(self.passages) if set(actors) & set(p.actors)]
        else:
            where = None
        return self.retriever.search(
            weights, actors=actors, favour=favour, limit=3, min_score=RELATED_SCORE, where=where
        )

    # -- whole story ---------------------------------------------------------------------------

    def _whole_story(self, r: _Reading) -> bool:
        """Whether nothing but cues, filler and the story's own terms is left."""
        return not r.ambiguous and all(
            not is_content(w.folded) or stem(w.folded) in self._filler or w.folded in FILLER
            for w in r.words
        )

    def _story(self, cue: Story) -> tuple[StorySection, ...]:
        key_points = [p for p in self.passages if p.kind == "key_point"]
        stances = [p for p in self.passages if p.kind == "stance"]
        actors = {a.id: a for a in self.briefing.actors}

        def role(name: str) -> list[Passage]:
            return [p for p in key_points if p.role == name]

        def side(name: str) -> list[Passage]:
            return [
                p
                for p in stances
                if p.actor_id
                and side_of(actors[p.actor_id].stance.label, actors[p.actor_id].stance.side) == name
            ]

        drivers = role("driver") or key_points
        sections: list[tuple[str, Iterable[Passage]]]
        if cue is Story.WHY:
            sections = [("Why, according to the article", drivers)]
        elif cue is Story.WHY_NOW:
            timeline = sorted(
                (p for p in self.passages if p.kind == "timeline"),
                key=lambda p: _sort_key(self.briefing, p),
                reverse=True,
            )
            sections = [("Why", drivers), ("Timing: the latest dates", timeline[:3])]
        elif cue is Story.NEXT:
            watch = [p for p in self.passages if p.kind == "watch"]
            sections = [("Outlook", role("outlook")), ("What to watch", watch)]
        elif cue is Story.AGAINST:
            sections = [("Against it", side("against")), ("Obstacles", role("obstacle"))]
        elif cue is Story.FOR:
            sections = [
                ("For it", side("for")),
                ("Taking part, own view unstated", side("engaged")),
            ]
        elif cue is Story.OBSTACLES:
            backers = {p.actor_id for p in side("for")}
            constraints = [
                p for p in self.passages if p.kind == "constraint" and p.actor_id in backers
            ]
            sections = [
                ("Obstacles", role("obstacle")),
                ("Constraints on its backers", constraints[:6]),
            ]
        elif cue is Story.WHO:
            sections = [("Actors and where they stand", stances)]
        else:
            summary = [p for p in self.passages if p.kind == "summary"]
            sections = [("Summary", summary), ("Key points", key_points)]
        return tuple(StorySection(h, tuple(ps)) for h, ps in sections if ps)

    # -- facts ---------------------------------------------------------------------------------

    def _facts_about(self, fact: Fact, r: _Reading, actors: tuple[str, ...]) -> list[Hit]:
        """Passages that hold this kind of fact about the question's subject."""
        wanted = {fact, Fact.FUTURE_DATE} if fact is Fact.DATE else {fact}
        topic = {
            t: w for t, w in r.weights.items() if t not in _CUE_STEMS and t not in r.name_stems
        }
        found = []
        for i, passage in enumerate(self.passages):
            if passage.kind == "summary" or not wanted & self._facts[i]:
                continue
            if topic and not self.retriever.matches(i, topic):
                continue
            if actors and not self._involves(passage, actors):
                continue
            found.append(i)
        if not found:
            return []
        hits = self.retriever.search(r.weights, actors=actors, where=found, min_score=0.0, limit=3)
        return hits or [Hit(self.passages[i], 0.0) for i in found[:3]]

    def _involves(self, passage: Passage, actors: tuple[str, ...]) -> bool:
        if set(actors) & set(passage.actors):
            return True
        text = " " + fold(passage.text + " " + " ".join(c.quote for c in passage.citations)) + " "
        return any(
            f" {key} " in text
            for key, actor in self._aliases.items()
            if actor in actors and key not in self._exact_case
        )


_CUE_STEMS = frozenset(stem(w) for w in CUES)


def _stemmed(phrase: str) -> str:
    return " ".join(stem(w) for w in phrase.split())


def _notable(folded: str, with_unit: bool) -> bool:
    """Whether a number is a fact the briefing must hold (a year, a large number, 3 million)."""
    if with_unit:
        return True
    digits = folded.replace(",", "")
    return digits.isdigit() and int(digits) >= NOTABLE_NUMBER


def _merge(first: list[Hit], rest: list[Hit], limit: int = 5) -> list[Hit]:
    seen = {h.passage for h in first}
    return [*first, *(h for h in rest if h.passage not in seen)][:limit]


def _sort_key(briefing: Briefing, passage: Passage) -> str:
    for event in briefing.timeline:
        if event.when == passage.value:
            return event.sort_key
    return ""


def _surface_words(label: str) -> list[str]:
    import re

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
