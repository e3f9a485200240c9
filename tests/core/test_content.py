"""The real briefing in content/: it validates, and it says what a reader needs it to say."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.briefing import Briefing, Claim, Evidence, Figure, TimelineEvent
from bot.core.errors import UserFacingError
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
    "kurdish-militants": ["Kurds", "Kurdish militants", "Kurdish forces"],
    "sdf": ["SDF", "Syrian Democratic Forces"],
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
        "kurdish-militants": "Kurdish militants",
        "sdf": "Syrian Democratic Forces",
        "iran": "Iran",
        "turkish-opposition": "Turkish opposition",
    }
    assert {a.id for a in briefing.actors} >= set(named)
    assert [word for word in named.values() if word not in summary] == []


# -- issue 10: the briefing says no more than the article -------------------------------------


def _stated_sentences(briefing: Briefing) -> list[str]:
    """Every sentence the briefing states as its own (not quotes, notes or unknowns)."""
    dumped = briefing.model_dump(exclude={"source_notes", "source", "vocabulary"})
    for actor in dumped["actors"]:
        actor.pop("unknowns")
    return [s for text in _texts(dumped) for s in re.split(r"(?<=[.;:])\s+", text)]


def _claim(briefing: Briefing, claim_id: str) -> Claim:
    [claim] = [c for c in claims_of(briefing) if c.id == claim_id]
    assert isinstance(claim, Claim)
    return claim


def _quotes(claim: Claim) -> list[str]:
    return [e.quote for e in claim.evidence]


def test_1_the_sdf_is_not_made_one_of_the_kurdish_militants(briefing: Briefing) -> None:
    militants, sdf = briefing.actor("kurdish-militants"), briefing.actor("sdf")
    assert not {"SDF", "Syrian Democratic Forces"} & set(militants.aliases)
    assert "Kurdish" not in sdf.name + " ".join(sdf.aliases)
    assert "SDF among them" not in briefing.summary.text
    for sentence in _stated_sentences(briefing):
        if "SDF" in sentence or "Syrian Democratic Forces" in sentence:
            assert "Kurdish" not in sentence, sentence
    assert any("same force" in u for u in militants.unknowns + sdf.unknowns)


def test_2_the_zero_friends_claim_of_paragraph_8_is_a_key_point(briefing: Briefing) -> None:
    cited = [
        (c.id, e.paragraph)
        for c in briefing.key_points
        for e in c.evidence
        if "zero friends on its borders" in e.quote
    ]
    assert cited and all(paragraph == 8 for _, paragraph in cited)
    assert any("zero friends" in c.text for c in briefing.key_points)


def test_3_the_outlook_says_what_its_quotes_say(briefing: Briefing) -> None:
    outlook = _claim(briefing, "kp-outlook")
    quotes = _quotes(outlook)
    assert any(q.startswith("While it remains to be seen") and "could be" in q for q in quotes)
    assert any(q.startswith("Analysts believe both leaders") for q in quotes)
    assert "could be a step toward stability and peace" in outlook.text
    assert "analysts" in outlook.text and "remains to be seen" in outlook.text


def test_4_building_on_the_grain_deals_is_about_russia_and_ukraine(briefing: Briefing) -> None:
    image = _claim(briefing, "kp-image")
    quotes = " ".join(_quotes(image))
    assert "He wants to build on that success" in quotes and "grain and fertilizer" in quotes
    building = image.text[image.text.index("build on that success") :]
    assert building.split(";")[0].endswith("peace talks")
    assert "Russia and" in building.split(";")[0] and "Ukraine" in building.split(";")[0]


def test_5_turkey_is_a_long_time_backer_of_the_syrian_opposition(briefing: Briefing) -> None:
    [relation] = [r for r in briefing.actor("turkey").relations if r.actor == "syrian-opposition"]
    assert relation.kind == "long-time backer of"
    assert any("keep its support" in e.quote for e in relation.evidence)
    stated = " ".join(_stated_sentences(briefing))
    assert "former backer" not in stated and "old allies" not in stated


def test_6_the_summary_cites_every_claim_it_makes(briefing: Briefing) -> None:
    summary = briefing.summary
    quotes = " ".join(_quotes(summary))
    for said, quoted in [
        ("4 million", "4 million Syrian refugees"),
        ("mid-2023", "scheduled for mid-2023"),
        ("image", "fix Turkey’s image"),
        ("Ukraine", "conflict in Ukraine"),
        ("Kurdish militants", "Kurdish militants operating in northern Syria"),
        ("openly opposes", "openly opposed"),
        ("not to deal with", "not to deal with the brutal Assad regime"),
        ("facilitating", "is facilitating"),
        ("Syrian Democratic Forces", "US-backed Syrian Democratic Forces"),
    ]:
        assert said in summary.text, said
        assert quoted in quotes, quoted


def test_7_the_united_states_is_against_dealing_with_assad_not_reported_on_the_talks(
    briefing: Briefing,
) -> None:
    stance = briefing.actor("united-states").stance
    assert stance.label != "Opposed" and "Assad" in stance.label
    assert "no specific US reaction" in stance.explanation
    assert any("reaction" in u for u in briefing.actor("united-states").unknowns)


def test_8_reelection_is_erdogans_motive_not_an_effect(briefing: Briefing) -> None:
    for claim_id in ("kp-refugees-elections", "turkey-reelection"):
        text = _claim(briefing, claim_id).text
        assert "may help" not in text and "seeking to win reelection" in text


def test_9_the_qatar_ties_cite_the_sentence_that_states_them(briefing: Briefing) -> None:
    pairs = [("turkey", "qatar"), ("qatar", "turkey")]
    for actor_id, other in pairs:
        [relation] = [r for r in briefing.actor(actor_id).relations if r.actor == other]
        assert "economic ties" in relation.text
        assert any("economic times" in e.quote for e in relation.evidence), actor_id


def test_10_concerns_about_egypt_are_nobodys_in_particular(briefing: Briefing) -> None:
    stated = " ".join(_stated_sentences(briefing))
    assert "concerns in Egypt" not in stated and "strained" not in stated
    assert "relationship with Egypt" in _claim(briefing, "turkey-hosted-brotherhood").text


def test_11_russia_hosted_one_meeting_and_wants_erdogans_help_with_the_west(
    briefing: Briefing,
) -> None:
    russia = _claim(briefing, "kp-russia-facilitates")
    assert "hosts" not in russia.text and "hosted" in russia.text
    assert "negotiations with the West" in russia.text
    assert any("negotiations later with the West" in q for q in _quotes(russia))


def test_12_source_notes_for_paragraph_6_the_grain_superlative_and_summer_2022(
    briefing: Briefing,
) -> None:
    notes = briefing.source_notes
    by_quote = {n.text: " ".join(e.quote for e in n.evidence) for n in notes}
    assert any(
        "sharp reversal" in q and "Zero Problems" in q and "favour reconciliation" in text
        for text, q in by_quote.items()
    )
    assert any("the only leader" in t and "from Ukraine" in t for t in by_quote)
    assert any("in the summer of 2022" in t and "ambiguous" in t for t in by_quote)
    stated = " ".join(_stated_sentences(briefing))
    assert "only leader" not in stated
    assert "said in summer 2022" not in stated
    assert "in the summer of 2022" in _claim(briefing, "turkey-intends-summit").text


def test_13_a_bare_opposition_asks_which_one(loaded: LoadedBriefing) -> None:
    assert "opposition" not in loaded.briefing.actor("syrian-opposition").aliases
    library = Library.from_loaded([loaded])
    with pytest.raises(UserFacingError) as raised:
        library.resolve_actor(loaded, "opposition")
    message = raised.value.message
    assert "Syrian opposition (syrian-opposition)" in message
    assert "Turkish opposition (turkish-opposition)" in message
    assert library.resolve_actor(loaded, "the Syrian opposition").id == "syrian-opposition"


def test_14_the_author_and_one_label_for_no_position(briefing: Briefing) -> None:
    stated = " ".join(_stated_sentences(briefing))
    assert "He expects" not in stated and "The author expects" in briefing.summary.text
    labels = {a.stance.label for a in briefing.actors}
    assert not labels & {"Not stated", "Not addressed", "Unclear"}
    silent = [a for a in briefing.actors if a.stance.side == "unstated"]
    assert len(silent) >= 8 and {a.stance.label for a in silent} == {"No position stated"}
    gaps = " ".join(n.text for n in briefing.source_notes)
    assert "is an opinion/analysis article" not in gaps


def test_every_stance_has_a_side_and_every_key_point_a_role(briefing: Briefing) -> None:
    assert all(a.stance.side for a in briefing.actors)
    assert all(c.role for c in briefing.key_points)
    assert {c.role for c in briefing.key_points} >= {"driver", "obstacle", "outlook"}


def test_vocabulary_terms_are_the_briefings_own(briefing: Briefing) -> None:
    stated = " ".join(_stated_sentences(briefing)).lower()
    assert "deal" in briefing.vocabulary["rapprochement"]
    for term in briefing.vocabulary:
        assert term.lower() in stated, term
