"""The real briefing in content/: it validates, and it says what a reader needs it to say."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.briefing import Briefing, Claim, Evidence, Figure, TimelineEvent
from bot.core.library import Library
from bot.core.loader import LoadedBriefing, load_directory, split_paragraphs, validate_directory

BRIEFING_ID = "turkey-syria-rapprochement"
SEED = Path("/work/shared/seed/000_6641c4f11186179e.txt")
BOILERPLATE = ("Skip to content", "Hey there!", "tax-deductible", "donation", "bottom of the page")

#: Actors of the product spec and names users will type for them.
SPEC_ACTORS = {
    "turkey": ["Turkey", "Ankara", "Türkiye", "Erdoğan", "Erdogan", "Recep Tayyip Erdoğan"],
    "syria": ["Syria", "Damascus", "Assad", "Bashar al-Assad", "the Assad regime"],
    "russia": ["Russia", "Moscow", "Putin", "Vladimir Putin", "Kremlin"],
    "united-states": ["United States", "Washington", "US", "U.S.", "USA", "America"],
    "syrian-opposition": ["Syrian opposition", "SNC", "Syrian National Coalition"],
    "kurdish-forces": ["Kurds", "SDF", "Syrian Democratic Forces", "Kurdish militants"],
    "iran": ["Iran", "Tehran"],
    "turkish-opposition": ["Turkish opposition"],
}


@pytest.fixture(scope="module")
def loaded(content_dir: Path) -> LoadedBriefing:
    [briefing] = [b for b in load_directory(content_dir) if b.briefing.id == BRIEFING_ID]
    return briefing


@pytest.fixture(scope="module")
def briefing(loaded: LoadedBriefing) -> Briefing:
    return loaded.briefing


def evidence_of(briefing: Briefing) -> Iterator[Evidence]:
    yield from _evidence(briefing.model_dump())


def _evidence(node: object) -> Iterator[Evidence]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "evidence":
                yield from (Evidence(**e) for e in value)
            else:
                yield from _evidence(value)
    elif isinstance(node, list):
        for item in node:
            yield from _evidence(item)


def claims_of(briefing: Briefing) -> Iterator[Claim | TimelineEvent | Figure]:
    yield briefing.summary
    yield from briefing.key_points
    yield from briefing.watch
    yield from briefing.timeline
    yield from briefing.figures
    for actor in briefing.actors:
        yield from (*actor.interests, *actor.constraints, *actor.actions)


def test_content_validates(content_dir: Path) -> None:
    assert validate_directory(content_dir) == []


def test_loading_the_real_content_is_fast(content_dir: Path) -> None:
    load_directory(content_dir)  # warm up imports and caches
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        load_directory(content_dir)
        timings.append(time.perf_counter() - start)

    assert min(timings) < 0.1


def test_source_metadata_is_stated_not_invented(briefing: Briefing, content_dir: Path) -> None:
    source = briefing.source
    assert (source.title, source.publisher, source.author) == (
        "Is Turkey Headed Toward a Rapprochement with Syria?",
        "Inkstick",
        "Marco Mossad",
    )
    assert source.url is None and source.published is None
    not_stated = " ".join(source.not_stated).lower()
    assert "publication date" in not_stated and "url" in not_stated
    for text in (source.attribution, (content_dir / "README.md").read_text()):
        assert "Marco Mossad" in text and "Inkstick" in text and "verif" in text


def test_source_text_is_the_article_without_boilerplate(loaded: LoadedBriefing) -> None:
    paragraphs = loaded.paragraphs
    assert paragraphs[0] == "Is Turkey Headed Toward a Rapprochement with Syria?"
    assert paragraphs[2] == "Words: Marco Mossad\nPictures: Viacheslav Kvaratskheliia"
    assert paragraphs[3].startswith("In December 2022, the Syrian, Turkish, and Russian")
    text = "\n".join(paragraphs)
    assert not [b for b in BOILERPLATE if b in text]


@pytest.mark.skipif(not SEED.is_file(), reason="the seed article is not on this machine")
def test_source_text_matches_the_seed_article(loaded: LoadedBriefing) -> None:
    seed = split_paragraphs(SEED.read_text(encoding="utf-8"))
    start, end = seed.index("Skip to content") + 1, seed.index("Hey there!")
    assert loaded.paragraphs == seed[start:end]


def test_spec_actors_resolve_by_every_name(loaded: LoadedBriefing) -> None:
    library = Library.from_loaded([loaded])
    for actor_id, names in SPEC_ACTORS.items():
        for name in names:
            assert library.resolve_actor(loaded, name).id == actor_id, name


def test_erdogan_is_folded_into_turkey(briefing: Briefing) -> None:
    ids = {a.id for a in briefing.actors}
    assert "erdogan" not in ids
    assert {"Erdoğan", "Erdogan"} <= set(briefing.actor("turkey").aliases)


def test_no_name_the_article_does_not_use(briefing: Briefing) -> None:
    names = [n for a in briefing.actors for n in (a.id, a.name, *a.aliases)]
    assert not [n for n in names if "ypg" in n.lower()]


def test_every_actor_is_fully_described(briefing: Briefing) -> None:
    for actor in briefing.actors:
        assert actor.stance.label and actor.stance.explanation and actor.stance.evidence
        assert actor.unknowns, f"{actor.id}: say what the article leaves unknown"
        assert actor.relations, f"{actor.id}: no relations"
    syria = briefing.actor("syria")
    assert any("barely" in u for u in syria.unknowns)


def test_every_claim_has_an_id_and_cites_the_article_body(briefing: Briefing) -> None:
    claims = list(claims_of(briefing))
    assert all(c.id for c in claims)
    assert len({c.id for c in claims}) == len(claims)
    body = range(2, 15)  # dek and body paragraphs; not the title, byline or author note
    for evidence in evidence_of(briefing):
        assert evidence.paragraph in body, evidence
        assert not [b for b in BOILERPLATE if b in evidence.quote]


def test_key_figures(briefing: Briefing) -> None:
    figures = {f.id: f.value for f in briefing.figures}
    assert figures["fig-refugees"] == "around 4 million"
    assert figures["fig-elections"].startswith("mid-2023")
    assert figures["fig-grain-rounds"] == "two rounds"
    assert figures["fig-war-length"] == "over a decade"
    assert figures["fig-zero-problems"] == "2010"


def test_timeline_is_chronological(briefing: Briefing) -> None:
    keys = [event.sort_key for event in briefing.timeline]
    assert keys == sorted(keys)
    assert ("December 2022", "2022-12") in [(e.when, e.sort_key) for e in briefing.timeline]


def test_source_notes_record_the_articles_slips_and_gaps(briefing: Briefing) -> None:
    notes = briefing.source_notes
    slips = [n for n in notes if n.kind == "slip"]
    slip_quotes = " ".join(e.quote for n in slips for e in n.evidence)
    for slip in ("southwestern border", "the island", "economic times"):
        assert slip in slip_quotes, slip
    slip_texts = " ".join(n.text for n in slips)
    assert "southern border" in slip_texts and "peninsula" in slip_texts and "ties" in slip_texts

    [repetition] = [n for n in notes if n.kind == "repetition"]
    assert sorted(e.paragraph for e in repetition.evidence) == [7, 14]
    assert '"is"' in repetition.text and '"could be"' in repetition.text

    gaps = " ".join(n.text for n in notes if n.kind == "gap")
    for gap in ("publication date", "Syria's own position", "Iran", "opinion"):
        assert gap in gaps, gap
    assert any(n.kind == "boilerplate" for n in notes)


def test_claims_do_not_repeat_the_slips_as_fact(briefing: Briefing) -> None:
    dumped = briefing.model_dump()
    texts = [text for text in _texts(dumped) if text not in {n.text for n in briefing.source_notes}]
    assert not [t for t in texts if "southwestern" in t or "island" in t or "economic times" in t]


def _texts(node: object) -> Iterator[str]:
    """Every string the briefing states itself (evidence quotes excluded)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "evidence":
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)
    elif isinstance(node, str):
        yield node


def test_the_summary_covers_every_actor_with_a_position(briefing: Briefing) -> None:
    summary = briefing.summary.text
    named = {
        "turkey": "Turkey",
        "syria": "Assad",
        "russia": "Russia",
        "united-states": "United States",
        "syrian-opposition": "Syrian opposition",
        "kurdish-forces": "SDF",
        "iran": "Iran",
        "turkish-opposition": "Turkish opposition",
    }
    assert {a.id for a in briefing.actors} >= set(named)
    assert [word for word in named.values() if word not in summary] == []
