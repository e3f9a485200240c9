"""Actor candidates: the proper names of an article, grouped where they are obviously one.

Proper names are capitalised words ("al-Assad", "UN High Commissioner for Refugees"; a
sentence's first word only if it is capitalised elsewhere too). A country is grouped with its
demonym, capital and other spellings ("Turkey", "Turkish", "Ankara"), a full name with its last
word ("Recep Tayyip Erdoğan", "Erdoğan"), a name with its initials ("United States", "US"). The
groups are suggestions; the most-mentioned are offered, the rest listed by name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.authoring.countries import country_of, is_country_name
from bot.authoring.quotes import Quote, Sentence
from bot.core.textnorm import fold

__all__ = ["ActorCandidate", "find_actors"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_ACTORS = 14


@dataclass
class ActorCandidate:
    """A named actor: the name to use, the mentions that look like the same one, and a quote."""

    id: str
    name: str
    aliases: list[str]
    #: Mention → how many times it occurs.
    mentions: Counter[str]
    paragraphs: list[int]
    evidence: Quote
    #: "state" for a country, "leader" for a person named with a title, else None.
    kind: str | None = None
    #: A country the actor is presented as leading ("Turkish President …"), for a hint.
    leads: str | None = None

    @property
    def count(self) -> int:
        return sum(self.mentions.values())


_WORD = re.compile(r"(?:(?:al|el|ad|as|bin|ibn)-)?[^\W\d_][\w’'.-]*[\w]|[^\W\d_]")
_CONNECTORS = frozenset({"of", "for", "de", "du", "la", "van", "von", "der", "bin", "ibn", "al"})
_PARTICLES = ("al-", "el-", "ad-", "as-")
_TITLES = _words(
    """president prime minister king queen prince princess chancellor secretary
    secretary-general general senator governor mayor sheikh ayatollah pope emir sultan crown
    vice mr mrs ms dr prof commander colonel lieutenant ambassador premier foreign defense
    defence spokesman spokeswoman leader"""
)
_LEADER_TITLES = _words(
    "president prime king queen chancellor emir sultan premier ayatollah leader"
)
_MONTH_NAMES = _words(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday"""
)
_NOT_NAMES = frozenset({"i", "i’m", "i'm"})
#: "Syrian opposition", "Kurdish militants": a people's group is an actor of its own.
_GROUP_NOUNS = _words(
    """opposition government regime military forces army rebels militants fighters officials
    parliament authorities troops refugees administration leadership"""
)
_ORGANISATION_WORDS = _words(
    """council forces coalition university brotherhood commission party organization
    organisation union army front movement ministry bank fund agency spring relations nations
    states office court assembly parliament congress senate institute foundation group
    committee alliance league republic kingdom federation democratic national"""
)


@dataclass
class _Mention:
    text: str
    sentence: Sentence
    #: The words of a title before the name ("Turkish President"), if any.
    titled_by: str | None = None


def find_actors(
    sentences: list[Sentence], author: str | None
) -> tuple[list[ActorCandidate], list[tuple[str, int]]]:
    """The actors to offer, and the names mentioned too rarely to be, with their counts."""
    mid_sentence = _capitalised_mid_sentence(sentences)
    mentions: list[_Mention] = []
    for sentence in sentences:
        mentions += _names_in(sentence, mid_sentence)
    author_key = fold(author) if author else None
    mentions = [m for m in mentions if fold(m.text) != author_key]
    if not mentions:
        return [], []

    forms: dict[str, Counter[str]] = {}  # folded key → surface forms
    for mention in mentions:
        forms.setdefault(fold(mention.text), Counter())[mention.text] += 1
    groups = _group(list(forms))
    by_group: dict[str, list[_Mention]] = {}
    for mention in mentions:
        by_group.setdefault(groups[fold(mention.text)], []).append(mention)

    found: list[ActorCandidate] = []
    for members in by_group.values():
        found.append(_actor_candidate(members))
    found.sort(key=lambda a: (-a.count, a.kind is None, a.paragraphs[0], a.name))
    # An adjective alone ("Arab countries") is rarely an actor: offered only when frequent.
    offered = [a for a in found if a.count >= (3 if _is_adjective(a) else 2)]
    actors = offered[:MAX_ACTORS]
    chosen = {a.id for a in actors}
    others = [(a.name, a.count) for a in found if a.id not in chosen]
    _unique_ids_and_aliases(actors)
    return actors, others


def _is_adjective(actor: ActorCandidate) -> bool:
    return actor.kind is None and len(actor.mentions) == 1 and _is_people(actor.name)


def _capitalised_mid_sentence(sentences: list[Sentence]) -> set[str]:
    """Capitalised words seen anywhere but at the start of a sentence or line."""
    seen: set[str] = set()
    for sentence in sentences:
        for line in sentence.raw.splitlines():
            for index, match in enumerate(_WORD.finditer(line)):
                word = _bare(match.group())
                if index > 0 and _is_capitalised(word):
                    seen.add(word)
    return seen


def _names_in(sentence: Sentence, mid_sentence: set[str]) -> list[_Mention]:
    """The proper names of one sentence, with any title before them."""
    out: list[_Mention] = []
    for line in sentence.raw.splitlines():
        words = list(_WORD.finditer(line))
        if len(words) >= 4 and sum(_is_capitalised(w.group()) for w in words) > 0.6 * len(words):
            continue  # a title-case headline: every word is capitalised
        run: list[str] = []
        closed = False  # the run's last word ended the name ("Turkey’s", "US-backed")
        previous_end: int | None = None
        for index, match in enumerate(words):
            token = match.group()
            word = _bare(token)
            spaced = previous_end is not None and line[previous_end : match.start()] == " "
            if run and (closed or not spaced):
                out += _split_run(run, sentence)
                run = []
            starts = index == 0 or line[: match.start()].rstrip().endswith((":", "“", '"', "("))
            previous_end = match.end()
            if _is_capitalised(word) and fold(word) not in _MONTH_NAMES:
                if not run and starts and word not in mid_sentence and not word.isupper():
                    continue  # "However", "Many": capitalised only because a sentence starts
                run.append(word)
                closed = word != token
            elif run and word in _CONNECTORS and _next_is_name(words, index):
                run.append(word)
                closed = False
            elif run and len(run) == 1 and word in _GROUP_NOUNS and _is_people(run[0]):
                out.append(_Mention(f"{run[0]} {word}", sentence))  # "Syrian opposition"
                run = []
            elif run:
                out += _split_run(run, sentence)
                run = []
        if run:
            out += _split_run(run, sentence)
    return out


def _is_people(word: str) -> bool:
    """A demonym or a people's adjective ("Syrian", "Kurdish"), not a country's name."""
    if is_country_name(word):
        return False
    return country_of(word) is not None or word.endswith(("ish", "ian", "ese", "i"))


def _next_is_name(words: list[re.Match[str]], index: int) -> bool:
    if index + 1 >= len(words):
        return False
    following = _bare(words[index + 1].group())
    return _is_capitalised(following) and fold(following) not in _MONTH_NAMES


def _split_run(run: list[str], sentence: Sentence) -> list[_Mention]:
    """A run of capitalised words as names: "Turkish President Recep Tayyip Erdoğan" is the
    demonym "Turkish" and the person "Recep Tayyip Erdoğan", titled "Turkish President"."""
    while run and run[-1] in _CONNECTORS:
        run = run[:-1]
    if not run:
        return []
    titles = [i for i, w in enumerate(run) if fold(w) in _TITLES]
    if titles and titles[-1] + 1 < len(run):
        first, last = titles[0], titles[-1]
        person = " ".join(run[last + 1 :])
        out = [_Mention(person, sentence, " ".join(run[: last + 1]))]
        if first > 0:
            out.insert(0, _Mention(" ".join(run[:first]), sentence))
        return [m for m in out if fold(m.text) not in _NOT_NAMES]
    if titles and len(run) == len(titles):
        return []  # "President" alone
    name = " ".join(run)
    return [] if fold(name) in _NOT_NAMES else [_Mention(name, sentence)]


def _bare(word: str) -> str:
    """A word without a possessive or an adjective hyphenated to it: "Erdoğan’s" → "Erdoğan",
    "US-backed" → "US"."""
    word = re.sub(r"[’']s$", "", word).rstrip(".")
    if "-" in word and not word.lower().startswith(_PARTICLES):
        head, _, tail = word.partition("-")
        if tail and tail[0].islower():
            return head
    return word


def _is_capitalised(word: str) -> bool:
    if word.lower().startswith(_PARTICLES):
        word = word[3:]
    return bool(word) and word[0].isupper()


def _group(keys: list[str]) -> dict[str, str]:
    """Folded mention → the key of its group (union-find over the obvious sameness rules)."""
    parent = {key: key for key in keys}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    countries: dict[str, list[str]] = {}
    for key in keys:
        country = country_of(key)
        if country is not None:
            countries.setdefault(country, []).append(key)
    for members in countries.values():
        for member in members[1:]:
            union(member, members[0])

    multi = [k for k in keys if " " in k]
    singles = [k for k in keys if " " not in k]
    for single in singles:
        if country_of(single) is not None:
            continue
        ends = [m for m in multi if _last_word(m) == single]
        if len(ends) == 1:
            union(single, ends[0])
    for key in keys:
        original = key.replace(" ", "")
        if 2 <= len(original) <= 6:
            spelled = [m for m in multi if _initials(m) == original]
            if len(spelled) == 1 and country_of(spelled[0]) == country_of(key):
                union(key, spelled[0])
    return {key: find(key) for key in keys}


def _last_word(key: str) -> str:
    last = key.split()[-1]
    for particle in ("al", "el", "ad", "as"):
        if key.split()[-2:-1] == [particle]:
            return last
    return last


def _initials(key: str) -> str:
    return "".join(word[0] for word in key.split() if word not in _CONNECTORS)


def _actor_candidate(members: list[_Mention]) -> ActorCandidate:
    counts: Counter[str] = Counter(m.text for m in members)
    paragraphs = sorted({m.sentence.paragraph for m in members})
    country = next((c for c in (country_of(m.text) for m in members) if c), None)
    leads = None
    kind = None
    if country is not None:
        name = country
        kind = "state"
    else:
        titled = [m for m in members if m.titled_by]
        multi = [t for t in counts if " " in t and not _is_organisation(t)]
        if titled or (multi and any(" " not in t for t in counts)):
            name = max(counts, key=lambda t: (len(t.split()), counts[t]))
        else:
            name = max(counts, key=lambda t: (counts[t], len(t)))
        for mention in titled:
            title_words = mention.titled_by.split() if mention.titled_by else []
            if any(fold(w) in _LEADER_TITLES for w in title_words):
                kind = "leader"
                leads = leads or next((country_of(w) for w in title_words if country_of(w)), None)
    person = kind == "leader" or (
        " " in name and not _is_organisation(name) and any(" " not in t for t in counts)
    )
    slug_source = name.split()[-1] if person and country is None else name
    if slug_source.lower().startswith(_PARTICLES):
        slug_source = slug_source[3:]
    slug = fold(slug_source).replace(" ", "-")[:64].strip("-") or "actor"
    aliases = [t for t, _ in counts.most_common() if fold(t) != fold(name)]
    first = min(members, key=lambda m: (m.sentence.paragraph, _order(m)))
    return ActorCandidate(
        id=slug,
        name=name,
        aliases=aliases,
        mentions=counts,
        paragraphs=paragraphs,
        evidence=first.sentence.quote,
        kind=kind,
        leads=leads,
    )


def _order(mention: _Mention) -> int:
    return mention.sentence.raw.find(mention.text.split()[0])


def _is_organisation(name: str) -> bool:
    return any(fold(word) in _ORGANISATION_WORDS for word in name.split()) or is_country_name(name)


def _unique_ids_and_aliases(actors: list[ActorCandidate]) -> None:
    """Make ids unique and give no name or alias to two actors (the validator refuses both)."""
    ids: set[str] = set()
    for actor in actors:
        base, number = actor.id, 2
        while actor.id in ids:
            actor.id = f"{base}-{number}"
            number += 1
        ids.add(actor.id)
    taken: set[str] = set()
    for actor in actors:
        taken |= _keys(actor.name) | _keys(actor.id)
    for actor in actors:
        kept: list[str] = []
        mine = _keys(actor.name) | _keys(actor.id)
        for alias in actor.aliases:
            keys = _keys(alias)
            if keys & (taken - mine) or keys & {k for a in kept for k in _keys(a)}:
                continue
            kept.append(alias)
            taken |= keys
            mine |= keys
        actor.aliases = kept


def _keys(name: str) -> set[str]:
    key = fold(name)
    return {k for k in (key, key.removeprefix("the ")) if k}
