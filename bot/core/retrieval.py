"""Lexical retrieval for ``ask``: BM25 over every cited claim of a briefing.

No network, no model: a question is matched against claim texts, their evidence quotes, actor
names and aliases. Mentioning an actor (by any alias) boosts that actor's claims; question words
("why", "when", "how many", "risk") boost the matching kind of claim. Below a minimum score the
engine says it found nothing rather than guessing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.core.answers import Citation, cites
from bot.core.briefing import Actor, Briefing
from bot.core.textnorm import fold

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "think",
        "tell",
        "know",
        "say",
        "says",
        "said",
        "article",
        "briefing",
    ]
)

#: Question cues → claim kinds they favour.
INTENTS: dict[str, tuple[str, ...]] = {
    "why": ("interest",),
    "motive": ("interest",),
    "want": ("interest",),
    "goal": ("interest",),
    "support": ("stance", "interest", "action"),
    "oppose": ("stance", "constraint"),
    "risk": ("constraint", "watch"),
    "worry": ("constraint",),
    "concern": ("constraint",),
    "obstacle": ("constraint",),
    "when": ("timeline",),
    "date": ("timeline",),
    "year": ("timeline",),
    "many": ("figure",),
    "much": ("figure",),
    "number": ("figure",),
    "next": ("watch",),
    "watch": ("watch",),
    "future": ("watch",),
    "did": ("action", "timeline"),
}

_K1 = 1.4
_B = 0.7
#: Minimum BM25 score (after boosts) for a claim to count as an answer.
MIN_SCORE = 1.2
INTENT_BOOST = 2.0
INTENT_BONUS = 2.5


def tokens(text: str) -> list[str]:
    """Folded, stemmed content words."""
    return [_stem(t) for t in fold(text).split() if t not in STOPWORDS and len(t) > 1]


def _stem(word: str) -> str:
    # A deliberately light stemmer: enough to match refugee/refugees, supports/supporting.
    for suffix in ("ation", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@dataclass(frozen=True)
class Passage:
    """A retrievable claim: what it says, whose it is, what kind, and its evidence."""

    text: str
    #: stance, interest, constraint, action, relation, key_point, summary, timeline, figure, watch
    kind: str
    actor_id: str | None
    label: str  # e.g. "Russia · interest"
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


def passages(briefing: Briefing) -> list[Passage]:
    """Every cited claim of the briefing as a passage."""
    out: list[Passage] = [
        Passage(briefing.summary.text, "summary", None, "Summary", cites(briefing.summary.evidence))
    ]
    out += [
        Passage(c.text, "key_point", None, "Key point", cites(c.evidence))
        for c in briefing.key_points
    ]
    for actor in briefing.actors:
        out.append(
            Passage(
                f"{actor.stance.label}: {actor.stance.explanation}",
                "stance",
                actor.id,
                f"{actor.name} · stance",
                cites(actor.stance.evidence),
            )
        )
        for kind, claims in (
            ("interest", actor.interests),
            ("constraint", actor.constraints),
            ("action", actor.actions),
        ):
            out += [
                Passage(c.text, kind, actor.id, f"{actor.name} · {kind}", cites(c.evidence))
                for c in claims
            ]
        out += [
            Passage(r.text, "relation", actor.id, f"{actor.name} · relation", cites(r.evidence))
            for r in actor.relations
        ]
    out += [
        Passage(f"{e.when}: {e.text}", "timeline", None, f"Timeline · {e.when}", cites(e.evidence))
        for e in briefing.timeline
    ]
    out += [
        Passage(f"{f.label}: {f.value}. {f.text}", "figure", None, "Key figure", cites(f.evidence))
        for f in briefing.figures
    ]
    out += [
        Passage(c.text, "watch", None, "What to watch", cites(c.evidence)) for c in briefing.watch
    ]
    return out


class Retriever:
    """BM25 index over one briefing's passages."""

    def __init__(self, briefing: Briefing) -> None:
        self.passages = passages(briefing)
        actors = {a.id: a for a in briefing.actors}
        self._docs: list[Counter[str]] = []
        for p in self.passages:
            words = tokens(p.text) + [t for c in p.citations for t in tokens(c.quote)]
            if p.actor_id:
                words += _actor_tokens(actors[p.actor_id])
            self._docs.append(Counter(words))
        self._lengths = [d.total() for d in self._docs]
        self._avg_len = sum(self._lengths) / max(len(self._docs), 1)
        df: Counter[str] = Counter()
        for d in self._docs:
            df.update(d.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._alias_to_actor: list[tuple[re.Pattern[str], str]] = []
        for a in briefing.actors:
            for label in {a.name, *a.aliases}:
                key = fold(label)
                if key:
                    self._alias_to_actor.append((re.compile(rf"\b{re.escape(key)}\b"), a.id))

    def actors_mentioned(self, question: str) -> set[str]:
        """Ids of actors the question names by any alias."""
        folded = fold(question)
        return {actor_id for pattern, actor_id in self._alias_to_actor if pattern.search(folded)}

    def search(self, question: str, *, limit: int = 5) -> list[Hit]:
        """The best passages for ``question`` (empty when nothing matches well enough)."""
        query = tokens(question)
        if not query:
            return []
        mentioned = self.actors_mentioned(question)
        favoured = {
            kind
            for word in fold(question).split()
            for cue in {word, _stem(word)}
            for kind in INTENTS.get(cue, ())
        }
        terms = set(query)
        hits: list[Hit] = []
        for passage, doc, length in zip(self.passages, self._docs, self._lengths, strict=True):
            score = self._bm25(terms, doc, length)
            own = passage.actor_id in mentioned
            favoured_kind = passage.kind in favoured
            if score <= 0 and not (own and favoured_kind):
                continue
            if mentioned:
                score *= 1.6 if own else 0.8
            if favoured_kind:
                # "why does Russia …" should surface Russia's interests even when the
                # question shares few words with them.
                score = score * INTENT_BOOST + (INTENT_BONUS if own else 0.0)
            hits.append(Hit(passage, score))
        hits.sort(key=lambda h: -h.score)
        chosen: list[Hit] = []
        seen: set[Citation] = set()
        for hit in hits:
            if hit.score < MIN_SCORE or len(chosen) == limit:
                break
            if set(hit.passage.citations) <= seen:
                continue  # says nothing the chosen passages' sentences do not already show
            chosen.append(hit)
            seen.update(hit.passage.citations)
        return chosen

    def _bm25(self, terms: set[str], doc: Counter[str], length: int) -> float:
        score = 0.0
        for term in terms:
            tf = doc.get(term, 0)
            if tf:
                norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / self._avg_len))
                score += self._idf.get(term, 0.0) * norm
        return score


def _actor_tokens(actor: Actor) -> list[str]:
    return [t for label in (actor.name, *actor.aliases) for t in tokens(label)]
