"""Reading an article: plain text, Markdown and a saved HTML page, boilerplate left out."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.authoring.article import detect_format, read_article
from bot.authoring.paragraphs import drop_boilerplate, normalise_text
from tests.authoring.helpers import SEED_HTML, SEED_TEXT, VESSEL_MARKDOWN, VESSEL_TEXT

SEED_BODY_START = "In December 2022, the Syrian, Turkish, and Russian defense ministers met"
SEED_LAST_BODY = "On the other hand, Washington has called on countries"


def test_plain_text_keeps_the_article_and_leaves_out_the_seeds_boilerplate() -> None:
    article = read_article(SEED_TEXT)

    assert article.format == "text"
    assert article.title == "Is Turkey Headed Toward a Rapprochement with Syria?"
    assert article.author == "Marco Mossad"  # from the byline "Words: Marco Mossad"
    assert article.publisher is None and article.url is None and article.published is None
    assert article.paragraphs[0] == article.title
    assert article.paragraphs[2] == "Words: Marco Mossad\nPictures: Viacheslav Kvaratskheliia"
    assert article.paragraphs[3].startswith(SEED_BODY_START)
    assert article.paragraphs[-1] == "Marco Mossad"
    # The seed has no blank line between these two paragraphs; each is one paragraph here.
    refugees = next(p for p in article.paragraphs if p.startswith("Erdoğan is also under"))
    assert refugees.endswith("the refugees’ economic impact.")
    assert any(
        p.startswith("Keeping an eye on Turkey’s upcoming elections") for p in article.paragraphs
    )
    text = article.source_text()
    assert "Skip to content" not in text and "Hey there!" not in text and "donation" not in text
    assert [(item.text[:15], item.reason) for item in article.left_out] == [
        ("Skip to content", "a navigation link"),
        ("Hey there! You ", "a donation appeal"),
    ]
    assert article.left_out[1].text.endswith(
        "Together, we can tell the stories that need to be told."
    )


def test_html_keeps_the_main_text_and_says_what_it_left_out() -> None:
    article = read_article(SEED_HTML)

    assert article.format == "html"
    assert article.title == "Is Turkey Headed Toward a Rapprochement with Syria?"
    assert article.author == "Marco Mossad"
    assert article.publisher == "Inkstick"
    # The page states no date: none is guessed from the text ("In 2010, …").
    assert article.published is None and article.url is None
    assert article.paragraphs[0] == article.title
    assert article.paragraphs[1].startswith(SEED_BODY_START)
    assert article.paragraphs[-1].startswith(SEED_LAST_BODY)
    text = article.source_text()
    for boilerplate in ("Skip to content", "Hey there!", "tax-deductible", "Privacy policy"):
        assert boilerplate not in text
    reasons = {item.reason for item in article.left_out}
    assert {"a navigation link", "a donation or newsletter appeal", "navigation"} <= reasons
    appeal = next(i for i in article.left_out if "Hey there!" in i.text)
    assert appeal.reason == "a donation or newsletter appeal"
    assert "tax-deductible donation" in appeal.text


def test_markdown_drops_the_markup_keeps_the_words() -> None:
    article = read_article(VESSEL_MARKDOWN)

    assert article.format == "markdown"
    assert article.title == "Will the Vessel River Deal Hold Through the Dry Season?"
    assert (article.author, article.publisher) == ("Ilse Maren", "The Fixture Review")
    assert article.paragraphs[:3] == [
        "Will the Vessel River Deal Hold Through the Dry Season?",
        "Northland and Southland agreed to share the river, but the drought is testing the deal.",
        "By Ilse Maren",
    ]
    # A link keeps its text, soft line breaks become spaces, emphasis marks go.
    assert article.paragraphs[3] == (
        "In March 2024, Northland and Southland signed the Vessel River Agreement after four "
        "years of talks. The deal splits the river's summer flow between the two countries and "
        "creates the River Commission to measure it."
    )
    assert "publish its measurements;" in article.paragraphs
    text = article.source_text()
    assert "*" not in text and "](" not in text and "#" not in text and ">" not in text
    assert "newsletter" not in text
    assert [i.reason for i in article.left_out] == ["a newsletter appeal"]


def test_hard_wrapped_text_is_joined_and_one_paragraph_per_line_is_split() -> None:
    article = read_article(VESSEL_TEXT)

    assert article.paragraphs[3].startswith("In March 2024, Northland and Southland signed")
    assert "\n" not in article.paragraphs[3]  # hard-wrapped at 96 columns: joined
    assert article.paragraphs[4] == (
        "Northland, which sits upstream, wants to keep building dams for its growing cities. "
        "Its energy minister, Tomas Arke, has said the country needs 3 new reservoirs by 2030."
    )
    assert article.paragraphs[5].startswith("Southland depends on the river")
    assert article.author == "Ilse Maren"
    assert article.left_out == []


def test_the_format_comes_from_the_name_then_the_content() -> None:
    assert detect_format(Path("a.HTML"), "") == "html"
    assert detect_format(Path("a.md"), "") == "markdown"
    assert detect_format(Path("page.txt"), "  <!DOCTYPE html><html>") == "html"
    assert detect_format(Path("notes"), "Just text.") == "text"


def test_a_donation_mentioned_in_the_article_is_not_boilerplate() -> None:
    paragraphs = [
        "Title",
        "The ministry said the donation of 4 tonnes of grain arrived in May.",
        "Analysts expect more donations from the Gulf.",
    ]

    assert drop_boilerplate(paragraphs) == (paragraphs, [])


_TEXT = st.lists(
    st.sampled_from([*"ab Ç.!?\n \t\u00a0\r—“”", "word", "Ünal", ". ", "\n\n"]), max_size=200
).map("".join)


@given(_TEXT)
def test_normalising_keeps_every_word_in_order(text: str) -> None:
    paragraphs = normalise_text(text)

    words = [w for p in paragraphs for w in p.split()]
    assert words == unicodedata.normalize("NFC", text).split()
    for paragraph in paragraphs:
        assert paragraph and paragraph == paragraph.strip()
        assert "\n\n" not in paragraph and "  " not in paragraph
