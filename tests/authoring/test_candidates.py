"""Candidates: actors grouped where obviously one, dated sentences, figures — each an exact
sentence of the source with its paragraph."""

from __future__ import annotations

import pytest

from bot.authoring.article import Article, read_article
from bot.authoring.candidates import Candidates, Quote, find_candidates
from bot.core.loader import normalise_for_match
from tests.authoring.helpers import SEED_HTML, SEED_TEXT, VESSEL_MARKDOWN, VESSEL_TEXT


def candidates_of(article: Article) -> Candidates:
    return find_candidates(article.paragraphs, title=article.title, author=article.author)


def every_quote(candidates: Candidates) -> list[Quote]:
    quotes = [a.evidence for a in candidates.actors]
    quotes += [e.quote for e in candidates.timeline] + [f.quote for f in candidates.figures]
    quotes += candidates.key_points + candidates.watch
    return quotes + ([candidates.summary] if candidates.summary else [])


@pytest.mark.parametrize("path", [SEED_TEXT, SEED_HTML, VESSEL_TEXT, VESSEL_MARKDOWN])
def test_every_candidate_quote_is_an_exact_sentence_of_its_paragraph(path: object) -> None:
    article = read_article(path)  # type: ignore[arg-type]
    candidates = candidates_of(article)

    quotes = every_quote(candidates)
    assert quotes
    for quote in quotes:
        paragraph = article.paragraphs[quote.paragraph - 1]
        assert normalise_for_match(quote.text) in normalise_for_match(paragraph), quote


def test_the_seeds_actors_are_grouped_where_obviously_one() -> None:
    candidates = candidates_of(read_article(SEED_TEXT))
    actors = {a.id: a for a in candidates.actors}

    turkey = actors["turkey"]
    assert (turkey.name, turkey.kind) == ("Turkey", "state")
    assert {"Turkish", "Ankara", "Turks"} <= set(turkey.aliases)
    assert set(actors["syria"].aliases) == {"Syrian", "Damascus"}
    assert set(actors["russia"].aliases) == {"Moscow", "Russian"}
    assert set(actors["united-states"].aliases) == {"Washington", "US"}  # US-backed, capital
    erdogan = actors["erdogan"]
    assert (erdogan.name, erdogan.aliases, erdogan.kind) == (
        "Recep Tayyip Erdoğan",
        ["Erdoğan"],
        "leader",
    )
    assert erdogan.leads == "Turkey"  # "Turkish President Recep Tayyip Erdoğan"
    assert (actors["assad"].name, actors["assad"].aliases) == ("Bashar al-Assad", ["Assad"])
    assert "syrian-opposition" in actors  # a people's group, not Syria itself
    # The most mentioned first; the author (byline, author note) is not an actor.
    assert [a.id for a in candidates.actors[:4]] == ["turkey", "syria", "erdogan", "assad"]
    assert "Marco Mossad" not in {a.name for a in candidates.actors}
    assert "Marco Mossad" not in dict(candidates.other_names)
    assert ("Gulf Cooperation Council", 1) in candidates.other_names


def test_the_seeds_dated_sentences_sort_as_precisely_as_written() -> None:
    candidates = candidates_of(read_article(SEED_TEXT))

    assert [(e.when, e.sort_key) for e in candidates.timeline] == [
        ("2010", "2010"),
        ("2011", "2011"),
        ("Summer of 2022", "2022"),
        ("December 2022", "2022-12"),
        ("Mid-2023", "2023"),
    ]
    december = candidates.timeline[3]
    assert december.quote.paragraph == 4
    assert set(december.actors) == {"turkey", "syria", "russia"}


def test_figures_are_numbers_with_their_unit() -> None:
    seed = candidates_of(read_article(SEED_TEXT))
    vessel = candidates_of(read_article(VESSEL_TEXT))

    assert [(f.value, f.phrase, f.quote.paragraph) for f in seed.figures] == [
        ("around 4 million", "around 4 million Syrian refugees", 10)
    ]
    assert [(f.value, f.phrase) for f in vessel.figures] == [
        ("3", "3 new reservoirs"),
        ("Around 2.5 million", "Around 2.5 million farmers"),
        ("40 percent", "40 percent"),
    ]


def test_the_short_articles_four_actors() -> None:
    candidates = candidates_of(read_article(VESSEL_TEXT))

    assert [(a.id, a.name) for a in candidates.actors] == [
        ("northland", "Northland"),
        ("southland", "Southland"),
        ("river-commission", "River Commission"),
        ("tomas-arke", "Tomas Arke"),
    ]
    assert candidates.actors[2].aliases == ["Commission"]
    assert candidates.summary == Quote(
        "Northland and Southland agreed to share the river, but the drought is testing the deal.",
        2,
    )
    assert [e.sort_key for e in candidates.timeline] == [
        "2024-03",
        "2025-06",
        "2025-09",
        "2026",
        "2030",
    ]
    assert any("Whether Northland will accept" in q.text for q in candidates.watch)
