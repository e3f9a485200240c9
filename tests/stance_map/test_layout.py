"""The layout, tested on its data: bands, order, boxes, edges."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.briefing import Briefing
from bot.stance_map import Arrow, Band, EdgeKind, MapLayout, layout
from bot.stance_map.geometry import segment_hits
from bot.stance_map.layout import BOX_PAD
from bot.stance_map.textwidth import text_width
from tests.stance_map import builders


def assert_sound(lay: MapLayout, briefing: Briefing) -> None:
    """Every actor placed once, in its band's area; no two boxes overlap; all on the canvas."""
    assert [a.id for a in lay.actors] == [a.id for a in briefing.actors]
    assert lay.width >= 1200
    for a in lay.actors:
        assert a.box.inside(lay.width, lay.height), a.id
        area = lay.band(a.band).area
        assert area.x <= a.box.x and a.box.right <= area.right, a.id
        assert area.y <= a.box.y and a.box.bottom <= area.bottom, a.id
        assert a.id in lay.band(a.band).actor_ids
    for x, y in itertools.combinations(lay.actors, 2):
        assert not x.box.overlaps(y.box), (x.id, y.id)
    for band_a, band_b in itertools.combinations(lay.bands, 2):
        assert not band_a.area.overlaps(band_b.area)
    for e in lay.edges:
        assert e.label_box.inside(lay.width, lay.height)
        assert all(0 <= p.x <= lay.width and 0 <= p.y <= lay.height for p in e.points)


def test_the_shipped_briefing(shipped: Briefing) -> None:
    lay = layout(shipped)
    assert_sound(lay, shipped)
    assert [a.id for a in lay.in_band(Band.DRIVING)] == ["turkey", "russia"]  # most cited first
    assert [a.id for a in lay.in_band(Band.ENGAGED)] == ["syria"]
    assert [a.id for a in lay.in_band(Band.OPPOSED)] == ["syrian-opposition", "united-states"]
    unclear = lay.in_band(Band.UNCLEAR)
    assert len(unclear) == 9
    cited = [a.cited_sentences for a in unclear]
    assert cited == sorted(cited, reverse=True)  # most discussed first
    assert lay.actor("turkey").name_px > lay.actor("qatar").name_px


def test_a_relation_and_its_mirror_are_one_arrow_from_the_subject(shipped: Briefing) -> None:
    lay = layout(shipped)
    pairs = {(e.source, e.target, e.kind): e for e in lay.edges}
    courts = pairs[("russia", "turkey", EdgeKind.COURTS)]  # "courts" + Turkey's "courted by"
    assert {r.actor for r in courts.relations} == {"russia", "turkey"}
    assert courts.arrow is Arrow.FORWARD and courts.label == "courts"
    backs = pairs[("turkey", "syrian-opposition", EdgeKind.BACKS)]  # + "backed by"
    assert backs.label == "backs" and len(backs.relations) == 2
    # A link no rule reads joins the pair's edge in the same direction, words kept.
    threat = pairs[("turkey", "sdf", EdgeKind.PRESSURES)]
    assert threat.label == "threatens\noperations a US concern for"
    # ... and one each side states of the other is a mutual link.
    other = next(e for e in lay.edges if {e.source, e.target} == {"turkey", "egypt"})
    assert (other.kind, other.arrow, other.label) == (
        EdgeKind.OTHER,
        Arrow.NONE,
        "relationship in question",
    )
    at_odds = next(
        e
        for e in lay.edges
        if e.kind is EdgeKind.AT_ODDS and "united-states" in (e.source, e.target)
    )
    assert at_odds.arrow is Arrow.NONE
    # Every relation of the briefing is drawn exactly once.
    drawn = sorted((r.actor, r.other, r.kind) for e in lay.edges for r in e.relations)
    stated = sorted((a.id, r.actor, r.kind) for a in shipped.actors for r in a.relations)
    assert drawn == stated


def test_edges_go_round_the_boxes_they_do_not_join(shipped: Briefing, fixtures) -> None:  # type: ignore[no-untyped-def]
    for briefing in [shipped, *fixtures.values()]:
        lay = layout(briefing)
        for e in lay.edges:
            ends = {e.source, e.target}
            for a in lay.actors:
                inner = a.box.grown(-1)
                for p, q in itertools.pairwise(e.points):
                    if a.id in ends:
                        continue
                    assert not segment_hits(p, q, inner), (briefing.id, e.label, a.id)
            start, end = e.points[0], e.points[-1]
            assert lay.actor(e.source).box.grown(10).contains(start)
            assert lay.actor(e.target).box.grown(10).contains(end)


def test_fixture_briefings_put_each_actor_in_its_band(fixtures) -> None:  # type: ignore[no-untyped-def]
    for briefing in fixtures.values():
        lay = layout(briefing)
        assert_sound(lay, briefing)
        for a in briefing.actors:
            label = a.stance.label
            if label in dict(builders.STANCES):
                assert lay.actor(a.id).band.value == builders.expected_band(label)


def test_long_names_wrap_inside_their_box(fixtures) -> None:  # type: ignore[no-untyped-def]
    lay = layout(fixtures["long-names"])
    for a in lay.actors:
        inner = a.box.w - 2 * BOX_PAD
        assert 1 <= len(a.name_lines) <= 3 and 1 <= len(a.stance_lines) <= 2
        assert all(text_width(line, a.name_px, bold=True) <= inner for line in a.name_lines)
    long = lay.actor("long")
    assert long.name_lines[-1].endswith("…")  # cut, not overflowing; the text views have it all
    assert "".join(lay.actor("x").name_lines) == "Supercalifragilisticexpialidociousland"


def test_a_former_relation_says_so(fixtures) -> None:  # type: ignore[no-untyped-def]
    b = builders
    lay = layout(
        b.briefing(
            [
                b.actor("a", "Alpha", "Supports it", relations=[("b", "former backer of")]),
                b.actor("b", "Beta", "Opposed", relations=[("a", "backed by")]),
            ]
        )
    )
    [edge] = lay.edges
    assert (edge.source, edge.target, edge.label, edge.former) == ("a", "b", "formerly backs", True)


def test_one_actor_and_empty_bands(fixtures) -> None:  # type: ignore[no-untyped-def]
    lay = layout(fixtures["one"])
    assert [a.band for a in lay.actors] == [Band.DRIVING]
    assert {b.band for b in lay.bands} == set(Band)  # the empty bands are still shown
    assert lay.edges == () and lay.legend == ()


def test_thirty_actors(fixtures) -> None:  # type: ignore[no-untyped-def]
    briefing = fixtures["thirty"]
    lay = layout(briefing)
    assert len(lay.actors) == 30
    assert {a.band for a in lay.actors} == set(Band)
    assert len(lay.edges) >= 30
    assert {e.kind for e in lay.edges} >= {EdgeKind.BACKS, EdgeKind.COURTS, EdgeKind.OPPOSES}


def test_the_same_briefing_gives_the_same_layout(shipped: Briefing) -> None:
    assert layout(shipped) == layout(shipped)


# -- generated briefings ------------------------------------------------------------------------

LABELS = st.one_of(
    st.sampled_from([s for s, _ in builders.STANCES]),
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60
    ).filter(str.strip),
)
NAMES = st.one_of(
    st.from_regex(r"[A-Z][a-z]{1,12}( [A-Za-z]{1,14}){0,6}", fullmatch=True),
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=120
    ).filter(str.strip),
)


@st.composite
def briefings(draw: st.DrawFn) -> Briefing:
    n = draw(st.integers(1, 16))
    people = []
    for i in range(n):
        relations = draw(
            st.lists(
                st.tuples(
                    st.integers(0, n - 1).map(lambda k: f"a{k}"),
                    st.sampled_from([*builders.KINDS, "major actor in", "former backer of"]),
                ),
                max_size=2,
            )
        )
        people.append(
            builders.actor(
                f"a{i}",
                draw(NAMES),
                draw(LABELS),
                relations=[r for r in relations if r[0] != f"a{i}"],
                claims=draw(st.integers(0, 3)),
            )
        )
    return builders.briefing(people)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(briefings())
def test_any_briefing_lays_out_soundly(briefing: Briefing) -> None:
    lay = layout(briefing)
    assert_sound(lay, briefing)
    for a in lay.actors:
        inner = a.box.w - 2 * BOX_PAD
        assert all(text_width(line, a.name_px, bold=True) <= inner for line in a.name_lines)
