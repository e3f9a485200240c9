"""Stance labels and relation kinds, read into the map's bands and edge families."""

from __future__ import annotations

import pytest

from bot.core.briefing import Briefing
from bot.stance_map import Band, EdgeKind, band_of, read_relation
from bot.stance_map.bands import says_unclear


def test_the_shipped_stances_fall_in_the_bands_their_authors_chose(shipped: Briefing) -> None:
    bands = {a.id: band_of(a.stance.label, a.stance.side) for a in shipped.actors}
    assert bands["turkey"] is Band.DRIVING  # side: for
    assert bands["russia"] is Band.DRIVING  # "Facilitating", side: for
    assert bands["syria"] is Band.ENGAGED  # "Engaged; own terms unstated"
    assert bands["united-states"] is Band.OPPOSED  # "Against dealing with Assad"
    assert bands["syrian-opposition"] is Band.OPPOSED
    unclear = {k for k, v in bands.items() if v is Band.UNCLEAR}
    assert unclear == {a.id for a in shipped.actors if a.stance.side == "unstated"}
    assert len(unclear) == 9


def test_a_stated_side_wins_over_the_labels_words() -> None:
    assert band_of("Opposed", "for") is Band.DRIVING
    assert band_of("Driving it", "unstated") is Band.UNCLEAR
    assert band_of("Facilitating", None) is Band.ENGAGED  # without a side: read from the words


def test_a_label_saying_nothing_is_told_from_one_no_rule_knows() -> None:
    assert says_unclear("No position stated") and says_unclear("Not addressed")
    assert not says_unclear("Wants a better price")  # unclear to the map, but it says something
    assert not says_unclear("Opposed")


@pytest.mark.parametrize(
    ("label", "band"),
    [
        ("Driving rapprochement", Band.DRIVING),
        ("Defends the cap", Band.DRIVING),
        ("Agreed to build", Band.DRIVING),
        ("Pro-government", Band.DRIVING),
        ("Monitoring", Band.ENGAGED),
        ("Cautious; open to talks", Band.ENGAGED),
        ("Opposed to the deal but open to talks", Band.OPPOSED),  # the first word decides
        ("Rejects the plan", Band.OPPOSED),
        ("Not opposed", Band.UNCLEAR),  # a negated side is not the opposite side
        ("No longer supports it", Band.UNCLEAR),
        ("Not addressed", Band.UNCLEAR),
        ("Undecided", Band.UNCLEAR),
        ("Wants the lease", Band.UNCLEAR),  # no rule knows it: never a guessed side
        ("¿?", Band.UNCLEAR),
        ("OPPOSED", Band.OPPOSED),
        ("Ödül bekliyor", Band.UNCLEAR),
    ],
)
def test_labels(label: str, band: Band) -> None:
    assert band_of(label) is band


def test_a_passive_kind_is_read_from_the_other_side() -> None:
    r = read_relation("courted by")
    assert (r.kind, r.verb, r.reversed, r.mutual) == (EdgeKind.COURTS, "courts", True, False)
    assert read_relation("sought as backer by").verb == "seeks backing from"
    assert read_relation("seeks support from").reversed is False


def test_former_and_mutual_relations() -> None:
    former = read_relation("former backer of")
    assert (former.kind, former.former) == (EdgeKind.BACKS, True)
    assert read_relation("at odds over Syria").mutual is True
    assert read_relation("strained ties with").kind is EdgeKind.AT_ODDS
    assert read_relation("partner on grain deals").kind is EdgeKind.COOPERATES
    assert read_relation("warns each other").mutual is True
    risk = read_relation("at risk from operations of")  # written from the threatened side
    assert (risk.kind, risk.verb, risk.reversed) == (EdgeKind.PRESSURES, "threatens", True)


def test_an_unknown_kind_keeps_its_own_words_shortened() -> None:
    r = read_relation("major actor in")
    assert (r.kind, r.verb) == (EdgeKind.OTHER, "major actor in")
    long = read_relation("shares a long and complicated history with")
    assert long.kind is EdgeKind.OTHER and long.verb.endswith("…") and len(long.verb) <= 28
