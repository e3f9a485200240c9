"""The map in words: alt text within Discord's limit, and the cited "Who stands where"."""

from __future__ import annotations

from bot.core.answers import cites
from bot.core.briefing import Briefing
from bot.stance_map import ALT_TEXT_LIMIT, BAND_TITLES, Band, alt_text, layout, who_stands_where
from tests.stance_map import builders


def test_the_shipped_alt_text_names_every_actor_and_stance(shipped: Briefing) -> None:
    lay = layout(shipped)
    text = alt_text(lay)
    assert len(text) <= ALT_TEXT_LIMIT
    for a in shipped.actors:
        assert a.name in text
    assert "Driving / supporting: Turkey (Driving rapprochement); Russia (Facilitating)." in text
    # A label that only repeats its band is left out; any other is kept.
    assert "Opposed: Syrian opposition; United States (Against dealing with Assad)." in text
    assert "Unclear or not stated: Egypt; United Nations; " in text
    assert "No position stated" not in text
    assert "Russia courts Turkey" in text
    assert "Russia seeks backing from Syria (also: major actor in)" in text
    assert text.endswith(
        "relations. The “map” command's text lists every actor and relation with its citations."
    )


def test_a_large_briefing_keeps_every_actor_and_counts_the_relations_it_cuts() -> None:
    lay = layout(builders.thirty_actors())
    text = alt_text(lay)
    assert len(text) <= ALT_TEXT_LIMIT
    for a in lay.actors:
        assert a.name in text
    assert f"{len(lay.edges)} relations." in text  # none fits whole: counted


def test_when_even_the_names_do_not_fit_each_band_counts_the_rest() -> None:
    people = [
        builders.actor(f"a{i}", f"A very long actor name number {i} of many", "Opposed")
        for i in range(60)
    ]
    lay = layout(builders.briefing(people))
    text = alt_text(lay)
    assert len(text) <= ALT_TEXT_LIMIT
    assert "Opposed: A very long actor name number 0 of many" in text
    assert "more." in text


def test_the_text_view_has_every_actor_with_its_stance_citations(shipped: Briefing) -> None:
    lay = layout(shipped)
    answer = who_stands_where(lay, shipped, "f" * 64)
    headings = [s.heading for s in answer.sections]
    assert headings[:4] == [f"{BAND_TITLES[b]} ({len(lay.in_band(b))})" for b in Band]
    assert headings[4] == f"Relations ({len(lay.edges)})"
    items = {i.text.split(" — ")[0]: i for s in answer.sections[:4] for i in s.items}
    for a in shipped.actors:
        assert items[a.name].citations == cites(a.stance.evidence)
        assert a.stance.label in items[a.name].text
    relations = answer.sections[4].items
    assert all(item.citations for item in relations)
    assert any(i.text.startswith("Egypt and Turkey: relationship in question: ") for i in relations)
    assert answer.image is not None
    assert answer.image.filename == f"stance-map-{shipped.id}-ffffffffffff.png"
    assert answer.image.alt_text == alt_text(lay)
    assert answer.image.version == "f" * 64
