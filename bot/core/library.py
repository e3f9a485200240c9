"""The loaded briefings and everything looked up in them: briefing choice and actor resolution."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cached_property

from bot.core.briefing import Actor
from bot.core.errors import NotFoundError, UserFacingError
from bot.core.loader import LoadedBriefing
from bot.core.textnorm import fold, name_keys

#: Scores (0–100, rapidfuzz WRatio on folded text) above which a name is a likely typo.
SUGGEST_SCORE = 72


@dataclass(frozen=True)
class ActorMatch:
    actor: Actor
    score: float
    matched: str  # the name or alias that matched


class ActorIndex:
    """Case-, accent- and alias-insensitive lookup of one briefing's actors."""

    def __init__(self, actors: list[Actor]) -> None:
        self.actors = actors
        self._exact: dict[str, Actor] = {}
        self._keys: list[str] = []
        self._key_actor: list[Actor] = []
        self._key_label: list[str] = []
        for actor in actors:
            for label in (actor.name, actor.id.replace("-", " "), *actor.aliases):
                for variant in name_keys(label):
                    if variant not in self._exact:
                        self._exact[variant] = actor
                        self._keys.append(variant)
                        self._key_actor.append(actor)
                        self._key_label.append(label)

    def ambiguous(self, name: str) -> list[Actor]:
        """Actors for which ``name`` is the last word(s) of a longer name or alias.

        "opposition" ends both "Syrian opposition" and "Turkish opposition": a bare
        "opposition" should be asked about, not resolved to either. Two or more actors (in
        briefing order) mean ambiguity; fewer mean nothing.
        """
        keys = name_keys(name)
        found = [
            actor
            for actor in self.actors
            if any(
                label_key.endswith(" " + key)
                for label in (actor.name, *actor.aliases)
                for label_key in name_keys(label)
                for key in keys
            )
        ]
        return found if len(found) > 1 else []

    def exact(self, name: str) -> Actor | None:
        """The actor this name, id or alias denotes, or None."""
        return next((self._exact[k] for k in name_keys(name) if k in self._exact), None)

    def known_as(self, name: str) -> Actor | None:
        """The actor a looser form of ``name`` denotes: a possessive ("Erdoğan's") or another
        form of a country's name ("Russian", "the Americans"), when it points to one actor."""
        key = fold(name).removeprefix("the ")
        if key.endswith(" s") and (actor := self.exact(key.removesuffix(" s"))) is not None:
            return actor
        from bot.core.ask.gazetteer import gazetteer  # only for a name not found as written

        gaz = gazetteer()
        entry = gaz.index.get(key)
        if entry is None or key in gaz.exact:  # "us" is only a name as "US"
            return None
        found = {a.id: a for v in gaz.names[entry].variants if (a := self.exact(v)) is not None}
        return next(iter(found.values())) if len(found) == 1 else None

    def ranked(self, text: str, *, limit: int = 25) -> list[ActorMatch]:
        """Actors ranked by how well ``text`` matches one of their names (best first, once each)."""
        query = fold(text)
        if not query:
            return [ActorMatch(a, 0.0, a.name) for a in self.actors[:limit]]
        from rapidfuzz import process  # fuzzy matching only: kept out of start-up

        scored = process.extract(query, self._keys, scorer=_score, limit=None)
        out: dict[str, ActorMatch] = {}
        for _key, score, idx in scored:
            actor = self._key_actor[idx]
            if actor.id not in out:
                out[actor.id] = ActorMatch(actor, float(score), self._key_label[idx])
        return sorted(out.values(), key=lambda m: (-m.score, m.actor.name))[:limit]


def _score(query: str, key: str, **kwargs: object) -> float:
    """Prefix matches first (what a user typing in autocomplete expects), then fuzzy similarity."""
    if key.startswith(query):
        return 100.0
    if any(word.startswith(query) for word in key.split()):
        return 95.0
    from rapidfuzz import fuzz

    return float(fuzz.WRatio(query, key))


class Library:
    """An immutable snapshot of every loaded briefing (newest first) and which is the default.

    The default is ``default_id`` (the ``DEFAULT_BRIEFING`` setting) when that briefing is
    loaded, else the newest by ``added``; a channel may choose another (``briefing use``).
    """

    def __init__(self, loaded: list[LoadedBriefing], *, default_id: str | None = None) -> None:
        ordered = sorted(loaded, key=lambda b: (b.briefing.added, b.briefing.id), reverse=True)
        self.briefings: dict[str, LoadedBriefing] = {b.briefing.id: b for b in ordered}
        self._indexes = {b.briefing.id: ActorIndex(b.briefing.actors) for b in ordered}
        wanted = (default_id or "").strip().lower()
        #: The configured default, kept across reloads even while that briefing is not loaded.
        self.requested_default = wanted or None
        #: Whether the default was configured (and is loaded) rather than the newest.
        self.default_configured = wanted in self.briefings
        self.default_id = wanted if self.default_configured else next(iter(self.briefings), "")

    @classmethod
    def from_loaded(cls, loaded: list[LoadedBriefing], *, default_id: str | None = None) -> Library:
        return cls(loaded, default_id=default_id)

    @property
    def several(self) -> bool:
        """More than one briefing is loaded (hints then name the briefing)."""
        return len(self.briefings) > 1

    @property
    def default(self) -> LoadedBriefing:
        """The briefing a command without ``--briefing`` uses (``NotFoundError`` if none)."""
        return self.get(None)

    @cached_property
    def version(self) -> str:
        """A short fingerprint of every loaded briefing together."""
        digest = hashlib.sha256()
        for b in self.briefings.values():
            digest.update(b.fingerprint.encode())
        return digest.hexdigest()[:12]

    def get(self, briefing_id: str | None = None) -> LoadedBriefing:
        """The named briefing, or the default one when no name is given."""
        if not self.briefings:
            raise NotFoundError("No briefings are loaded.")
        if not briefing_id:
            return self.briefings[self.default_id]
        key = briefing_id.strip().lower()
        if key in self.briefings:
            return self.briefings[key]
        folded = fold(briefing_id)
        for b in self.briefings.values():
            if fold(b.briefing.title) == folded:
                return b
        from rapidfuzz import fuzz, process

        close = [
            c
            for c, s, _ in process.extract(key, list(self.briefings), scorer=fuzz.WRatio, limit=3)
            if s > 60
        ]
        hint = "Briefings: " + ", ".join(self.briefings)
        if close:
            raise NotFoundError(
                f"No briefing “{briefing_id}”. Did you mean {_or(close)}?", hint=hint
            )
        raise NotFoundError(f"No briefing “{briefing_id}”.", hint=hint)

    def index(self, loaded: LoadedBriefing) -> ActorIndex:
        return self._indexes[loaded.briefing.id]

    def actor_elsewhere(self, name: str, *, exclude: str) -> tuple[LoadedBriefing, Actor] | None:
        """The first other briefing (newest first) with an actor named exactly ``name``."""
        for briefing_id, other in self.briefings.items():
            if briefing_id == exclude:
                continue
            actor = self._indexes[briefing_id].exact(name)
            if actor is not None:
                return other, actor
        return None

    def resolve_actor(self, loaded: LoadedBriefing, name: str) -> Actor:
        """The actor ``name`` denotes; a typo gets "did you mean", an absent actor the full list."""
        index = self.index(loaded)
        actor = index.exact(name) or index.known_as(name)
        if actor is not None:
            return actor
        everyone = ", ".join(a.name for a in loaded.briefing.actors)
        either = index.ambiguous(name)
        if either:
            raise UserFacingError(
                f"“{name}” could mean "
                + _or([f"{a.name} ({a.id})" for a in either])
                + ". Which one?",
                hint="Name it in full or by its id: " + ", ".join(a.id for a in either),
            )
        elsewhere = self.actor_elsewhere(name, exclude=loaded.briefing.id)
        if elsewhere is not None:
            other, found = elsewhere
            raise NotFoundError(
                f"“{name}” is not in this briefing ({loaded.briefing.title}). "
                f"{found.name} is in “{other.briefing.title}”: "
                f"actor {' '.join(name.split())} --briefing {other.briefing.id}",
                hint=f"Actors here: {everyone}",
            )
        close = [m.actor.name for m in index.ranked(name, limit=3) if m.score >= SUGGEST_SCORE]
        if fold(name) and close:
            raise NotFoundError(
                f"No actor “{name}” in this briefing. Did you mean {_or(close)}?",
                hint=f"Actors: {everyone}",
            )
        raise NotFoundError(
            f"“{name}” is not an actor in this briefing ({loaded.briefing.title}).",
            hint=f"Actors: {everyone}",
        )


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class LibraryHolder:
    """Holds the current ``Library``; a reload swaps it atomically."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._lock = threading.Lock()

    @property
    def current(self) -> Library:
        return self._library

    def swap(self, new: Library) -> Library:
        """Install ``new``; return the previous library."""
        with self._lock:
            old, self._library = self._library, new
        return old
