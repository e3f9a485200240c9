"""Candidates for a briefing, found in an article's paragraphs.

Every candidate carries an exact sentence of the source and its paragraph number, so its quote
validates as written; none carries a claim — the author writes those.

- **Actors**: proper names (capitalised words, "al-Assad", "UN High Commissioner for Refugees";
  a sentence's first word only if it is capitalised elsewhere too), grouped where they are
  obviously one: a country with its demonym, capital and other spellings ("Turkey", "Turkish",
  "Ankara"), a full name with its last word ("Recep Tayyip Erdoğan", "Erdoğan"), a name with its
  initials ("United States", "US"). The groups are suggestions.
- **Dated sentences** for the timeline: a full date, a month and year, a season or part of a
  year ("mid-2023", "the summer of 2022") or a year; the sort key is only as precise as that.
- **Figures**: numbers with a unit, a scale or a currency ("around 4 million Syrian refugees",
  "$5", "12%").
- **Key points** (each paragraph's opening sentence), **what to watch** (sentences about what
  will, may or is scheduled to happen) and the **summary**'s evidence (the standfirst).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.authoring.countries import country_of, is_country_name
from bot.core.sentences import sentence_spans
from bot.core.textnorm import fold

__all__ = [
    "ActorCandidate",
    "Candidates",
    "DatedCandidate",
    "FigureCandidate",
    "Quote",
    "Sentence",
    "find_candidates",
    "sentences_of",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_ACTORS = 14
MAX_KEY_POINTS = 8
MAX_WATCH = 6
MAX_TIMELINE = 20
MAX_FIGURES = 12


@dataclass(frozen=True)
class Quote:
    """An exact sentence of the source and the paragraph (from 1) it is in."""

    text: str
    paragraph: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of the source: as written (line breaks kept) and as a quote."""

    paragraph: int
    raw: str
    quote: Quote


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


@dataclass(frozen=True)
class DatedCandidate:
    """A sentence with a date: the date as written, its sort key, and the actors it names."""

    when: str
    sort_key: str
    quote: Quote
    actors: tuple[str, ...]


@dataclass(frozen=True)
class FigureCandidate:
    """A number with its unit: the value as written and the phrase around it."""

    value: str
    phrase: str
    quote: Quote


@dataclass
class Candidates:
    """Everything ``briefbot new`` offers the author."""

    actors: list[ActorCandidate] = field(default_factory=list)
    #: Names mentioned too rarely to be offered as actors, with their counts.
    other_names: list[tuple[str, int]] = field(default_factory=list)
    timeline: list[DatedCandidate] = field(default_factory=list)
    figures: list[FigureCandidate] = field(default_factory=list)
    key_points: list[Quote] = field(default_factory=list)
    watch: list[Quote] = field(default_factory=list)
    summary: Quote | None = None


def sentences_of(paragraphs: Sequence[str]) -> list[Sentence]:
    """Every sentence of every paragraph, in order."""
    out: list[Sentence] = []
    for number, paragraph in enumerate(paragraphs, 1):
        for start, end in sentence_spans(paragraph):
            raw = paragraph[start:end]
            out.append(Sentence(number, raw, Quote(" ".join(raw.split()), number)))
    return out


def find_candidates(
    paragraphs: Sequence[str], *, title: str | None = None, author: str | None = None
) -> Candidates:
    """The candidates of an article whose paragraphs are ``paragraphs`` (numbered from 1)."""
    sentences = sentences_of(paragraphs)
    front = _front_matter(paragraphs, title, author)
    body = [s for s in sentences if s.paragraph not in front]
    candidates = Candidates()
    candidates.actors, candidates.other_names = _actors(body, author)
    candidates.timeline = _timeline(body, candidates.actors)
    candidates.figures = _figures(body)
    candidates.key_points = _key_points(body)
    used = {q.text for q in candidates.key_points}
    candidates.watch = [q for q in _watch(body) if q.text not in used][:MAX_WATCH]
    candidates.summary = _summary(sentences, front, paragraphs) or (body[0].quote if body else None)
    return candidates


def _front_matter(paragraphs: Sequence[str], title: str | None, author: str | None) -> set[int]:
    """Paragraphs that are not the article's body: its title, byline and the author's note."""
    front: set[int] = set()
    for number, paragraph in enumerate(paragraphs, 1):
        words = fold(paragraph)
        is_title = bool(title) and words == fold(title or "")
        is_byline = number <= 5 and re.match(
            r"(by|words|written by|author|pictures|photos?)\b", words
        )
        is_note = (
            bool(author) and number > len(paragraphs) - 2 and words.startswith(fold(author or "-"))
        )
        if is_title or is_byline or is_note:
            front.add(number)
    return front


# --- actors ---------------------------------------------------------------------------------

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


def _actors(
    sentences: list[Sentence], author: str | None
) -> tuple[list[ActorCandidate], list[tuple[str, int]]]:
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


# --- dates ----------------------------------------------------------------------------------

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|"
    r"November|December)"
)
_YEAR = r"(?P<year>1[5-9]\d\d|20\d\d)"
_DATE_PATTERNS = (
    re.compile(rf"\b(?P<iso>{_YEAR}-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d))\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+{_YEAR}\b"),
    re.compile(rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b(?:(?:early|mid|late)[- ])?{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.IGNORECASE),
    re.compile(
        rf"\b(?:the\s+)?(?:(?:early|late)\s+)?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?"
        rf"{_YEAR}\b",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:early|mid|late)[- ]{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"(?<![\d$€£,.])\b{_YEAR}\b(?!\d|,\d|\s*(?:%|percent|per cent))"),
)


def _timeline(sentences: list[Sentence], actors: list[ActorCandidate]) -> list[DatedCandidate]:
    out: list[DatedCandidate] = []
    for sentence in sentences:
        text = sentence.quote.text
        found = _first_date(text)
        if found is None:
            continue
        when, key = found
        named = tuple(a.id for a in actors if _names(text, a))
        out.append(DatedCandidate(when, key, sentence.quote, named))
    out.sort(key=lambda d: (d.sort_key, d.quote.paragraph))
    return out[:MAX_TIMELINE]


def _first_date(text: str) -> tuple[str, str] | None:
    """The most precise date of ``text`` as written, and its sort key."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        groups = match.groupdict()
        year = groups.get("year") or ""
        if groups.get("iso"):
            return match.group(), match.group()
        when = match.group()
        when = re.sub(r"^the\s+", "", when, flags=re.IGNORECASE)
        when = when[0].upper() + when[1:]
        month = groups.get("month")
        month_number = _MONTHS.get(month.lower()) if month else None
        if groups.get("day") and month_number:
            return when, f"{year}-{month_number:02d}-{int(groups['day']):02d}"
        if month_number and not re.match(r"(early|mid|late)", when, re.IGNORECASE):
            return when, f"{year}-{month_number:02d}"
        return when, year
    return None


def _names(text: str, actor: ActorCandidate) -> bool:
    words = f" {fold(text)} "
    return any(f" {fold(m)} " in words for m in actor.mentions)


# --- figures --------------------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:thousand|million|billion|trillion|bn)\b"
_ABOUT = (
    r"(?i:(?:around|about|roughly|nearly|almost|over|more than|less than|fewer than|at least|"
    r"some|up to|an estimated|approximately|just over|just under)\s+)?"
)
_UNIT_WORD = r"(?:[A-Za-zÀ-ÿğışçöüĞİŞÇÖÜ’'-]+)"
_STOP = _words(
    """a an the of and or in on at to for from by with as that which who than is are was were
    be been has have had per each every this these those it its their his her"""
)
_FIGURE = re.compile(
    rf"(?P<value>{_ABOUT}(?:[$€£¥]\s?(?:{_NUMBER})(?:\s?{_SCALE})?|(?:{_NUMBER})\s?"
    rf"(?:%|percent\b|per cent\b)|(?:{_NUMBER})\s+{_SCALE}|(?:{_NUMBER})(?=\s+{_UNIT_WORD})))"
    rf"(?P<unit>(?:\s+{_UNIT_WORD}){{0,3}})"
)


def _figures(sentences: list[Sentence]) -> list[FigureCandidate]:
    out: list[FigureCandidate] = []
    for sentence in sentences:
        text = sentence.quote.text
        dates = [
            m.span() for pattern in _DATE_PATTERNS for m in pattern.finditer(text) if m.group()
        ]
        for match in _FIGURE.finditer(text):
            start, end = match.span("value")
            if any(a < end and start < b for a, b in dates):
                continue
            value = match.group("value").strip()
            unit = _unit(match.group("unit"))
            bare = re.sub(_ABOUT, "", value).strip()
            if not unit and not re.search(rf"[$€£¥%]|percent|per cent|{_SCALE}", bare):
                continue  # a bare number: a count of something unnamed, or a list item
            if re.fullmatch(r"[0-3]?\d", bare) and unit.lower() in _MONTHS:
                continue
            phrase = f"{value} {unit}".strip()
            out.append(FigureCandidate(value, phrase, sentence.quote))
    return out[:MAX_FIGURES]


def _unit(words: str) -> str:
    kept: list[str] = []
    for word in words.split():
        if word.lower() in _STOP:
            break
        kept.append(word.rstrip(",.;:"))
        if word.endswith((",", ".", ";", ":")):
            break
    return " ".join(kept)


# --- key points, what to watch, summary -----------------------------------------------------

_FUTURE = re.compile(
    r"\b(will|would|could|may|might|likely|unlikely|upcoming|scheduled|remains to be seen|"
    r"expected to|plans? to|next|future|whether)\b"
)


def _key_points(sentences: list[Sentence]) -> list[Quote]:
    """The opening sentence of each paragraph of two sentences or more."""
    counts = Counter(s.paragraph for s in sentences)
    out: list[Quote] = []
    seen: set[int] = set()
    for sentence in sentences:
        if sentence.paragraph in seen or counts[sentence.paragraph] < 2:
            continue
        seen.add(sentence.paragraph)
        out.append(sentence.quote)
    return out[:MAX_KEY_POINTS]


def _watch(sentences: Iterable[Sentence]) -> list[Quote]:
    return [s.quote for s in sentences if _FUTURE.search(s.quote.text)]


def _summary(sentences: list[Sentence], front: set[int], paragraphs: Sequence[str]) -> Quote | None:
    """The standfirst: a one-sentence paragraph right after the title, if there is one."""
    if 1 not in front or len(paragraphs) < 2 or 2 in front:
        return None
    second = [s for s in sentences if s.paragraph == 2]
    if len(second) == 1 and len(second[0].quote.text) <= 300:
        return second[0].quote
    return None
