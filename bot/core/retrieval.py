"""Lexical retrieval for ``ask``: BM25 over every cited claim of a briefing.

No network, no model: question terms (``bot.core.wordforms`` stems, weighted) are matched
against claim texts, their evidence quotes, and the names and aliases of the claim's actor.
Naming an actor boosts that actor's claims; a favoured kind of claim ("why" → interests) is
boosted too. Below a minimum score nothing counts as a match, so callers can say so instead of
guessing. ``bot.core.ask`` decides what the question asks; this module only ranks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from bot.core.answers import Citation, cites
from bot.core.briefing import Actor, Briefing
from bot.core.wordforms import terms

_K1 = 1.4
_B = 0.7
#: Minimum BM25 score (after boosts) for a claim to count as a match.
MIN_SCORE = 1.2
INTENT_BOOST = 2.0
INTENT_BONUS = 2.5
#: A query term missing from the index may match an indexed stem it starts with (or that
#: starts with it) — ``neighborhood`` → ``neighbor`` — at this weight, if that stem is long
#: enough to mean something on its own.
PREFIX_WEIGHT = 0.6
PREFIX_MIN = 6


@dataclass(frozen=True)
class Passage:
    """A retrievable claim: what it says, whose it is, what kind, and its evidence."""

    text: str
    #: stance, interest, constraint, action, relation, key_point, summary, timeline, figure, watch
    kind: str
    actor_id: str | None
    label: str  # e.g. "Russia · interest"
    citations: tuple[Citation, ...]
    #: Every actor the passage is about (its own, a relation's other side, a dated event's).
    actors: tuple[str, ...] = ()
    #: A key point's role in the story (driver, obstacle, outlook, context), if the content says.
    role: str | None = None
    #: A timeline event's "when" or a figure's value: what a "when"/"how many" question wants.
    value: str = ""


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
        Passage(c.text, "key_point", None, "Key point", cites(c.evidence), role=c.role)
        for c in briefing.key_points
    ]
    for actor in briefing.actors:
        own = (actor.id,)
        out.append(
            Passage(
                f"{actor.stance.label}: {actor.stance.explanation}",
                "stance",
                actor.id,
                f"{actor.name} · stance",
                cites(actor.stance.evidence),
                own,
            )
        )
        for kind, claims in (
            ("interest", actor.interests),
            ("constraint", actor.constraints),
            ("action", actor.actions),
        ):
            out += [
                Passage(c.text, kind, actor.id, f"{actor.name} · {kind}", cites(c.evidence), own)
                for c in claims
            ]
        out += [
            Passage(
                r.text,
                "relation",
                actor.id,
                f"{actor.name} · relation",
                cites(r.evidence),
                (actor.id, r.actor),
            )
            for r in actor.relations
        ]
    out += [
        Passage(
            f"{e.when}: {e.text}",
            "timeline",
            None,
            f"Timeline · {e.when}",
            cites(e.evidence),
            tuple(e.actors),
            value=e.when,
        )
        for e in briefing.timeline
    ]
    out += [
        Passage(
            f"{f.label}: {f.value}. {f.text}",
            "figure",
            None,
            "Key figure",
            cites(f.evidence),
            value=f.value,
        )
        for f in briefing.figures
    ]
    out += [
        Passage(c.text, "watch", None, "What to watch", cites(c.evidence)) for c in briefing.watch
    ]
    return out


@dataclass
class Retriever:
    """BM25 index over one briefing's passages."""

    briefing: Briefing
    passages: list[Passage] = field(init=False)

    def __post_init__(self) -> None:
        self.passages = passages(self.briefing)
        actors = {a.id: a for a in self.briefing.actors}
        self._docs: list[Counter[str]] = []
        for p in self.passages:
            words = terms(p.text) + [t for c in p.citations for t in terms(c.quote)]
            if p.actor_id:
                words += _actor_terms(actors[p.actor_id])
            self._docs.append(Counter(words))
        self._lengths = [d.total() for d in self._docs]
        self._avg_len = sum(self._lengths) / max(len(self._docs), 1)
        df: Counter[str] = Counter()
        for d in self._docs:
            df.update(d.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._long_stems = sorted(t for t in self._idf if len(t) >= PREFIX_MIN)
        self._near_cache: dict[str, tuple[str, ...]] = {}

    @property
    def vocabulary(self) -> Collection[str]:
        """Every stem the index holds."""
        return self._idf.keys()

    def expand(self, weights: Mapping[str, float]) -> dict[str, float]:
        """``weights`` plus, for each term the index lacks, the indexed stems it starts with."""
        out = dict(weights)
        for term, weight in weights.items():
            if term in self._idf or len(term) < PREFIX_MIN - 1:
                continue
            for near in self._near(term):
                out[near] = max(out.get(near, 0.0), weight * PREFIX_WEIGHT)
        return out

    def _near(self, term: str) -> tuple[str, ...]:
        near = self._near_cache.get(term)
        if near is None:
            if len(self._near_cache) > 4096:
                self._near_cache.clear()
            near = self._near_cache[term] = tuple(
                s
                for s in self._long_stems
                if (term.startswith(s) and len(term) - len(s) >= 2)
                or (len(term) >= PREFIX_MIN and s.startswith(term) and len(s) - len(term) >= 2)
            )
        return near

    def search(
        self,
        weights: Mapping[str, float],
        *,
        actors: Collection[str] = (),
        favour: Collection[str] = (),
        limit: int = 5,
        min_score: float = MIN_SCORE,
        where: Collection[int] | None = None,
    ) -> list[Hit]:
        """The best passages for the weighted terms (empty when nothing matches well enough).

        ``actors`` are ids the question names (their claims are boosted, others damped);
        ``favour`` are passage kinds the question's wording asks for; ``where`` restricts the
        search to these passage indexes.
        """
        if not weights and not (actors and favour):
            return []
        query = self.expand(weights)
        mentioned = set(actors)
        favoured = set(favour)
        hits: list[Hit] = []
        candidates = range(len(self.passages)) if where is None else where
        for i in candidates:
            passage, doc, length = self.passages[i], self._docs[i], self._lengths[i]
            score = self._bm25(query, doc, length)
            own = bool(mentioned.intersection(passage.actors))
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
            if hit.score < min_score or len(chosen) == limit:
                break
            if set(hit.passage.citations) <= seen:
                continue  # says nothing the chosen passages' sentences do not already show
            chosen.append(hit)
            seen.update(hit.passage.citations)
        return chosen

    def matches(self, i: int, weights: Mapping[str, float]) -> bool:
        """Whether passage ``i`` holds any of the terms (prefix matches included)."""
        doc = self._docs[i]
        return any(t in doc for t in self.expand(weights))

    def _bm25(self, query: Mapping[str, float], doc: Counter[str], length: int) -> float:
        score = 0.0
        for term, weight in query.items():
            tf = doc.get(term, 0)
            if tf:
                norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / self._avg_len))
                score += weight * self._idf.get(term, 0.0) * norm
        return score


def _actor_terms(actor: Actor) -> list[str]:
    return [t for label in (actor.name, *actor.aliases) for t in terms(label)]
