"""Answering a question from one briefing: coverage, then answerability, then ranking.

1. **Coverage.** Every name the question uses — an actor's name or alias, a name from the
   gazetteer (countries, places, organisations, people, months), a capitalised word inside a
   sentence, a year or a large number — must be in the briefing (``reading`` finds them, and
   turns the rest of the question into search terms). If one is not, the reply says
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
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.ask.facts import CUES, Fact, asked_fact, held_facts
from bot.core.ask.question import Word
from bot.core.ask.reading import Reader, Reading
from bot.core.ask.story import FILLER, Story, side_of, story_cue
from bot.core.briefing import Briefing
from bot.core.retrieval import MIN_SCORE, Hit, Passage, Retriever
from bot.core.textnorm import fold
from bot.core.wordforms import is_content, stem

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
#: Related claims shown beside "not mentioned" / "doesn't say" must match at least this well.
RELATED_SCORE = MIN_SCORE * 1.5


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


class Asker:
    """Answers questions from one briefing (built once per loaded briefing version)."""

    def __init__(self, briefing: Briefing) -> None:
        self.briefing = briefing
        self.retriever = Retriever(briefing)
        self.passages = self.retriever.passages
        self._facts = [held_facts(p) for p in self.passages]
        self._reader = Reader(briefing)

    # -- the question --------------------------------------------------------------------------

    def ask(self, question: str) -> Reply:
        """Read ``question`` against the briefing and say what answers it."""
        reading = self._reader.read(question)
        words = reading.words
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

    def _favoured(self, words: list[Word]) -> set[str]:
        return {
            kind
            for w in words
            for cue in {w.folded, stem(w.folded)}
            for kind in INTENTS.get(cue, ())
        }

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

    def _whole_story(self, r: Reading) -> bool:
        """Whether nothing but cues, filler and the story's own terms is left."""
        return not r.ambiguous and all(
            not is_content(w.folded) or stem(w.folded) in self._reader.filler or w.folded in FILLER
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

    def _facts_about(self, fact: Fact, r: Reading, actors: tuple[str, ...]) -> list[Hit]:
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
            for key, actor in self._reader.aliases.items()
            if actor in actors and key not in self._reader.exact_case
        )


_CUE_STEMS = frozenset(stem(w) for w in CUES)


def _merge(first: list[Hit], rest: list[Hit], limit: int = 5) -> list[Hit]:
    seen = {h.passage for h in first}
    return [*first, *(h for h in rest if h.passage not in seen)][:limit]


def _sort_key(briefing: Briefing, passage: Passage) -> str:
    for event in briefing.timeline:
        if event.when == passage.value:
            return event.sort_key
    return ""
