"""bot.core.loader: every kind of content problem is reported as ``file:line: field: message``.

Most tests write the small briefing ``TINY`` (line numbers in its comments) to a temporary
directory, change one or two lines without shifting the others, and compare the problems a
user would see, with the directory prefix removed.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import ContentError
from bot.core.loader import (
    LoadedBriefing,
    default_content_dir,
    load_directory,
    split_paragraphs,
    validate_directory,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "briefings"

TINY_SOURCE = """A Tiny Article

Alpha and Beta signed a deal. Gamma objected.

The deal runs for “ten years” — unless Beta leaves.
"""

TINY = """\
id: tiny
title: A Tiny Article
added: "2026-01-01"
question: Will the deal last?
source:                                                  # line 5
  title: A Tiny Article
  publisher: Fixture Press
  author: A. Author
  text_file: tiny.source.txt
  attribution: Fictional, for tests.                     # line 10
summary:
  text: Alpha and Beta signed a deal.
  evidence:
    - quote: Alpha and Beta signed a deal.
      paragraph: 2                                       # line 15
key_points:
  - id: kp-term
    text: The deal runs for ten years.
    evidence:
      - quote: The deal runs for "ten years" - unless Beta leaves.   # line 20
        paragraph: 3
actors:
  - id: alpha
    name: Alpha
    kind: state                                          # line 25
    aliases: [Alphaland]
    stance:
      label: For the deal
      explanation: Alpha signed it.
      evidence:                                          # line 30
        - quote: Alpha and Beta signed a deal.
          paragraph: 2
    relations:
      - actor: beta
        kind: partner                                    # line 35
        text: Signed the deal with Beta.
        evidence:
          - quote: Alpha and Beta signed a deal.
            paragraph: 2
  - id: beta                                             # line 40
    name: Beta
    kind: state
    aliases: [Betaland]
    stance:
      label: Wavering                                    # line 45
      explanation: Beta may leave.
      evidence:
        - quote: unless Beta leaves
          paragraph: 3
timeline:                                                # line 50
  - id: tl-deal
    when: "2025"
    sort_key: "2025"
    text: Alpha and Beta sign the deal.
    actors: [alpha, beta]                                # line 55
    evidence:
      - quote: Alpha and Beta signed a deal.
        paragraph: 2
"""


def write(
    directory: Path, yaml_text: str = TINY, *, name: str = "tiny.yaml", source: str = TINY_SOURCE
) -> Path:
    """Write a briefing and its source text into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tiny.source.txt").write_text(source, encoding="utf-8")
    path = directory / name
    path.write_text(yaml_text, encoding="utf-8")
    return path


def edit(changes: dict[int, str], text: str = TINY) -> str:
    """``text`` with the numbered lines (from 1) replaced, so no other line moves."""
    lines = text.splitlines()
    for number, line in changes.items():
        lines[number - 1] = line
    return "\n".join(lines) + "\n"


def problems(directory: Path) -> list[str]:
    """The problems as printed, with the directory prefix removed."""
    found = validate_directory(directory)
    with pytest.raises(ContentError) as raised:
        load_directory(directory)
    assert raised.value.problems == found
    prefix = f"{directory}/"
    return [str(p).removeprefix(prefix) for p in found]


def test_tiny_briefing_loads_with_typographic_quotes_normalised(tmp_path: Path) -> None:
    path = write(tmp_path)

    [loaded] = load_directory(tmp_path)

    assert isinstance(loaded, LoadedBriefing)
    assert loaded.briefing.id == "tiny"
    assert loaded.path == path
    assert loaded.paragraphs == (
        "A Tiny Article",
        "Alpha and Beta signed a deal. Gamma objected.",
        "The deal runs for “ten years” — unless Beta leaves.",
    )
    assert loaded.paragraph(3).startswith("The deal runs")
    assert validate_directory(tmp_path) == []
    expected = hashlib.sha256(TINY.encode() + b"\0" + TINY_SOURCE.encode()).hexdigest()
    assert loaded.fingerprint == expected


def test_fingerprint_follows_the_yaml_and_the_source_text(tmp_path: Path) -> None:
    write(tmp_path)
    first = load_directory(tmp_path)[0].fingerprint
    assert load_directory(tmp_path)[0].fingerprint == first

    (tmp_path / "tiny.source.txt").write_text(TINY_SOURCE + "\nA new closing line.\n")
    after_source_edit = load_directory(tmp_path)[0].fingerprint

    write(tmp_path, edit({4: "question: Will the deal hold?"}))
    after_yaml_edit = load_directory(tmp_path)[0].fingerprint
    assert len({first, after_source_edit, after_yaml_edit}) == 3


def test_malformed_yaml_points_at_the_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, edit({46: "      explanation: Beta: may leave."}))

    assert problems(tmp_path) == [
        "tiny.yaml:46: actors[1].stance.explanation: malformed YAML (column 24): the value "
        'contains a colon and a space: put the whole value in quotes, like explanation: "Beta: '
        'may leave."'
    ]


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    write(tmp_path, edit({8: "  title: A. Author"}))

    assert problems(tmp_path) == [
        "tiny.yaml:5: source.author: required field is missing",
        "tiny.yaml:8: source.title: duplicate key (also on line 6); the last one wins",
    ]


def test_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    write(tmp_path, edit({25: "    # kind: state"}))

    assert problems(tmp_path) == ["tiny.yaml:23: actors[0].kind: required field is missing"]


def test_unknown_field_and_the_field_it_replaced(tmp_path: Path) -> None:
    write(tmp_path, edit({8: "  writer: A. Author"}))

    assert problems(tmp_path) == [
        "tiny.yaml:5: source.author: required field is missing",
        "tiny.yaml:8: source.writer: unknown field 'writer'; is it 'author', which is missing?",
    ]


def test_wrong_types_name_the_dotted_path(tmp_path: Path) -> None:
    write(tmp_path, edit({15: "      paragraph: two", 47: "      evidence: []", 48: "", 49: ""}))

    assert problems(tmp_path) == [
        "tiny.yaml:15: summary.evidence[0].paragraph: "
        "must be the paragraph's number, counted from 1 (got 'two')",
        "tiny.yaml:47: actors[1].stance.evidence: "
        "needs at least one evidence item (a quote and its paragraph), and it is empty",
    ]


def test_an_unquoted_date_gets_a_hint(tmp_path: Path) -> None:
    write(tmp_path, edit({3: "added: 2026-01-01"}))

    assert problems(tmp_path) == [
        'tiny.yaml:3: added: must be text, not a date: put it in quotes: "2026-01-01"'
    ]


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "- just\n- a list\n")
    write(tmp_path, "# nothing but a comment\n", name="empty.yaml")

    assert problems(tmp_path) == [
        "empty.yaml:1: (root): the file is empty",
        "tiny.yaml:1: (root): a briefing must be a mapping of fields, not a list",
    ]


def test_missing_source_text_file(tmp_path: Path) -> None:
    write(tmp_path, edit({9: "  text_file: gone.txt"}))

    assert problems(tmp_path) == [
        f"tiny.yaml:9: source.text_file: source text file not found: {tmp_path / 'gone.txt'}"
    ]


def test_quote_not_in_the_source_gets_the_closest_sentence_or_the_slip(tmp_path: Path) -> None:
    # Case matters: only whitespace, quotes, apostrophes and dashes are normalised; a quote that
    # differs only in case is refused, and the message says that is all that differs.
    write(
        tmp_path,
        edit(
            {
                31: "        - quote: Alpha and Beta signed a treaty.",
                48: "        - quote: Unless Beta leaves",
            }
        ),
    )

    assert problems(tmp_path) == [
        "tiny.yaml:31: actors[0].stance.evidence[0].quote: quote not found in the source "
        "text; closest is paragraph 2: “Alpha and Beta signed a [deal].” (“treaty” → “deal”)",
        "tiny.yaml:48: actors[1].stance.evidence[0].quote: quote differs from the source only "
        "in case: paragraph 3 reads “unless Beta leaves” (Unless → unless)",
    ]


def test_quote_in_another_paragraph_says_which(tmp_path: Path) -> None:
    write(tmp_path, edit({49: "          paragraph: 1"}))

    assert problems(tmp_path) == [
        "tiny.yaml:49: actors[1].stance.evidence[0].paragraph: "
        "quote is in paragraph 3, not in paragraph 1"
    ]


def test_a_quote_found_in_several_other_paragraphs_names_them_all(tmp_path: Path) -> None:
    write(tmp_path, edit({48: "        - quote: Beta", 49: "          paragraph: 1"}))

    assert problems(tmp_path) == [
        "tiny.yaml:49: actors[1].stance.evidence[0].paragraph: "
        "quote is in paragraphs 2 and 3, not in paragraph 1"
    ]


def test_paragraph_out_of_range(tmp_path: Path) -> None:
    write(tmp_path, edit({15: "      paragraph: 9"}))

    assert problems(tmp_path) == [
        "tiny.yaml:15: summary.evidence[0].paragraph: "
        "paragraph 9 is out of range (the source has 3 paragraphs); the quote is in paragraph 2"
    ]


def test_unknown_actor_references(tmp_path: Path) -> None:
    write(tmp_path, edit({34: "      - actor: gamma", 55: "    actors: [alpha, delta]"}))

    assert problems(tmp_path) == [
        "tiny.yaml:34: actors[0].relations[0].actor: unknown actor 'gamma' (actors: alpha, beta)",
        "tiny.yaml:55: timeline[0].actors[1]: unknown actor 'delta' (actors: alpha, beta)",
    ]


def test_an_actor_cannot_relate_to_itself(tmp_path: Path) -> None:
    write(tmp_path, edit({34: "      - actor: alpha"}))

    assert problems(tmp_path) == [
        "tiny.yaml:34: actors[0].relations[0].actor: an actor cannot have a relation to itself"
    ]


@pytest.mark.parametrize(
    ("alias", "owner"),
    [
        ("ALPHALAND", "first at line 26, actors[0].aliases[0]"),  # case-insensitive
        ("Álpha", "first at line 23, actors[0].id"),  # accent-insensitive, and ids are names too
        ("the Alpha", "first at line 23, actors[0].id"),  # "the" is dropped when resolving names
    ],
)
def test_a_name_shared_by_two_actors(tmp_path: Path, alias: str, owner: str) -> None:
    write(tmp_path, edit({43: f"    aliases: [{alias}]"}))

    assert problems(tmp_path) == [
        f"tiny.yaml:43: actors[1].aliases[0]: {alias!r} also names actor 'alpha' ({owner}); "
        "names and aliases must be unique across actors"
    ]


def test_duplicate_actor_id(tmp_path: Path) -> None:
    write(tmp_path, edit({40: "  - id: alpha"}))

    assert problems(tmp_path) == [
        "tiny.yaml:34: actors[0].relations[0].actor: unknown actor 'beta' (actors: alpha)",
        "tiny.yaml:40: actors[1].id: duplicate actor id 'alpha' (first at line 23, actors[0].id)",
        "tiny.yaml:55: timeline[0].actors[1]: unknown actor 'beta' (actors: alpha)",
    ]


def test_duplicate_claim_id(tmp_path: Path) -> None:
    write(tmp_path, edit({51: "  - id: kp-term"}))

    assert problems(tmp_path) == [
        "tiny.yaml:51: timeline[0].id: duplicate id 'kp-term' (first at line 17, key_points[0].id)"
    ]


def test_duplicate_briefing_id_across_files(tmp_path: Path) -> None:
    write(tmp_path)
    write(tmp_path, edit({2: "title: Another"}), name="z.yaml")

    assert problems(tmp_path) == ["z.yaml:1: id: briefing id 'tiny' is also used by tiny.yaml"]


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path, edit({8: "  author:", 34: "      - actor: gamma", 49: "          paragraph: 1"})
    )
    write(tmp_path, "id: broken\ntitle: [\n", name="broken.yaml")

    with pytest.raises(ContentError) as raised:
        load_directory(tmp_path)

    lines = str(raised.value).replace(f"{tmp_path}/", "").splitlines()
    assert lines == [
        "broken.yaml:2: title: malformed YAML (column 8): the [ opened here is never closed "
        "with ] (a value that starts with [ must be a whole list, or be put in quotes)",
        "tiny.yaml:8: source.author: is empty: write a value",
        "tiny.yaml:34: actors[0].relations[0].actor: unknown actor 'gamma' (actors: alpha, beta)",
        "tiny.yaml:49: actors[1].stance.evidence[0].paragraph: "
        "quote is in paragraph 3, not in paragraph 1",
    ]


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a briefing")

    with pytest.raises(ContentError) as raised:
        load_directory(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path}:0: (directory): no briefings here (expected *.yaml or *.yml files)"
    )
    assert [str(p) for p in validate_directory(tmp_path / "nowhere")] == [
        f"{tmp_path / 'nowhere'}:0: (directory): not a directory"
    ]


def test_yml_files_count_and_hidden_files_do_not(tmp_path: Path) -> None:
    write(tmp_path, name="tiny.yml")
    (tmp_path / ".tiny.yaml.swp.yaml").write_text("not: [valid")

    assert [b.briefing.id for b in load_directory(tmp_path)] == ["tiny"]


def test_split_paragraphs() -> None:
    text = "Title\n\n\nFirst line\nsecond line   \n \t \nLast\n"

    assert split_paragraphs(text) == ("Title", "First line\nsecond line", "Last")
    assert split_paragraphs("") == ()


def test_shipped_fixture_briefings_load() -> None:
    [valid] = load_directory(FIXTURES / "valid")
    assert valid.briefing.id == "river-treaty"
    assert [a.id for a in valid.briefing.actors] == ["northland", "southland", "river-commission"]

    multi = load_directory(FIXTURES / "multi")
    assert [(b.briefing.id, b.briefing.added) for b in multi] == [
        ("harbour-lease", "2026-03-01"),
        ("rail-link", "2026-02-01"),
    ]


def test_default_content_dir_prefers_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTENT_DIR", str(FIXTURES / "valid"))

    assert default_content_dir() == FIXTURES / "valid"


def test_default_content_dir_uses_local_content_then_the_shipped_briefings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONTENT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    shipped = default_content_dir()
    assert (shipped / "turkey-syria-rapprochement.yaml").is_file()

    write(tmp_path / "content")
    assert default_content_dir() == tmp_path / "content"


# --- messages that help: the suggestion, never a parser's or pydantic's own text ----------------

#: Text of pydantic, PyYAML or a regular expression that must never reach an author.
FOREIGN_TEXT = (
    "should be",
    "should have",
    "should match",
    "String should",
    "Input should",
    "validation error",
    "pydantic",
    "errors.pydantic.dev",
    "Field required",
    "Extra inputs",
    "^",
    "\\d",
    "[a-z",
    "{0,2}",
    "mapping values are not allowed",
    "while parsing",
    "while scanning",
    "did not find expected",
    "could not find expected",
    "cannot start any token",
    "<block",
    "<stream",
)

SLIP_SOURCE = TINY_SOURCE + "\nErdoğan’s aides said: “We will see.” It was cost-effective.\n"


def assert_plain(messages: list[str]) -> None:
    for message in messages:
        leaked = [text for text in FOREIGN_TEXT if text in message]
        assert not leaked, f"{leaked} in {message!r}"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (  # a one-letter typo in a name
            {31: "        - quote: Alpha and Betta signed a deal."},
            "tiny.yaml:31: actors[0].stance.evidence[0].quote: quote not found in the source "
            "text; closest is paragraph 2: “Alpha and [Beta] signed a deal.” (“Betta” → “Beta”)",
        ),
        (  # a fragment: only the part of the sentence it tries to be is shown
            {48: "        - quote: for “ten yeras” — unless"},
            "tiny.yaml:48: actors[1].stance.evidence[0].quote: quote not found in the source "
            "text; closest is paragraph 3: “…for “ten [years]” — unless…” (“yeras” → “years”)",
        ),
        (  # cited in the wrong paragraph as well: the closest sentence names the right one
            {48: "        - quote: Alpha and Beta sined a deal."},
            "tiny.yaml:48: actors[1].stance.evidence[0].quote: quote not found in the source "
            "text; closest is paragraph 2: “Alpha and Beta [signed] a deal.” (“sined” → “signed”)",
        ),
        (
            {48: "        - quote: The moon is made of cheese and nobody disputes it"},
            "tiny.yaml:48: actors[1].stance.evidence[0].quote: quote not found in the source "
            "text, and no sentence of the source is close to it: “The moon is made of cheese and "
            "nobody disputes it”",
        ),
    ],
)
def test_a_quote_not_found_gets_the_closest_sentence_marked(
    tmp_path: Path, changes: dict[int, str], expected: str
) -> None:
    write(tmp_path, edit(changes))

    found = problems(tmp_path)

    assert found == [expected]
    assert_plain(found)


@pytest.mark.parametrize(
    ("quote", "slip"),
    [
        (
            "Erdogan's aides said",
            "only in accents: paragraph 4 reads “Erdoğan’s aides said” (Erdogan's → Erdoğan’s)",
        ),
        (
            "erdogan’s aides said",
            "only in case and accents: paragraph 4 reads “Erdoğan’s aides said” "
            "(erdogan’s → Erdoğan’s)",
        ),
        (
            "It was cost effective.",
            "only in punctuation: paragraph 4 reads “It was cost-effective.”",
        ),
        (
            "ERDOĞAN’S AIDES SAID",
            "only in case: paragraph 4 reads “Erdoğan’s aides said” "
            "(ERDOĞAN’S → Erdoğan’s, AIDES → aides, SAID → said)",
        ),
    ],
)
def test_case_accent_and_punctuation_slips_are_named(tmp_path: Path, quote: str, slip: str) -> None:
    write(
        tmp_path,
        edit({31: f"        - quote: {quote}", 32: "          paragraph: 4"}),
        source=SLIP_SOURCE,
    )

    assert problems(tmp_path) == [
        f"tiny.yaml:31: actors[0].stance.evidence[0].quote: quote differs from the source {slip}"
    ]


def test_other_quote_marks_are_named_and_fixable(tmp_path: Path) -> None:
    write(
        tmp_path, edit({20: "      - quote: The deal runs for «ten years» — unless Beta leaves."})
    )

    assert problems(tmp_path) == [
        "tiny.yaml:20: key_points[0].evidence[0].quote: quote differs from the source only in its "
        "quote marks, apostrophes, dashes or dots: paragraph 3 reads “The deal runs for “ten "
        "years” — unless Beta leaves.” («ten → “ten, years» → years”); `briefbot validate --fix` "
        "copies the source's characters"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {26: "    interets: [x]"},
            [
                "tiny.yaml:26: actors[0].interets: unknown field 'interets'; "
                "did you mean 'interests'?"
            ],
        ),
        (
            {18: "    txt: The deal runs for ten years."},
            [
                "tiny.yaml:17: key_points[0].text: required field is missing",
                "tiny.yaml:18: key_points[0].txt: unknown field 'txt'; did you mean 'text'?",
            ],
        ),
        (
            {16: "key_point:"},
            [
                "tiny.yaml:1: key_points: required field is missing",
                "tiny.yaml:16: key_point: unknown field 'key_point'; did you mean 'key_points'?",
            ],
        ),
        (
            {36: "        text: Signed the deal with Beta.\n        colour: red"},
            [
                "tiny.yaml:37: actors[0].relations[0].colour: unknown field 'colour' (a relation "
                "has: actor, kind, text, evidence)"
            ],
        ),
    ],
)
def test_unknown_fields_get_did_you_mean(
    tmp_path: Path, changes: dict[int, str], expected: list[str]
) -> None:
    write(tmp_path, edit(changes))

    assert problems(tmp_path) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {34: "      - actor: Beta"},
            "tiny.yaml:34: actors[0].relations[0].actor: use the id 'beta', not the name 'Beta'",
        ),
        (
            {34: "      - actor: Betaland"},
            "tiny.yaml:34: actors[0].relations[0].actor: use the id 'beta', not the name "
            "'Betaland'",
        ),
        (
            {55: "    actors: [Alpha, beta]"},
            "tiny.yaml:55: timeline[0].actors[0]: use the id 'alpha', not the name 'Alpha'",
        ),
        (
            {34: "      - actor: betta"},
            "tiny.yaml:34: actors[0].relations[0].actor: unknown actor 'betta'; did you mean "
            "'beta'? (actors: alpha, beta)",
        ),
    ],
)
def test_an_actor_reference_gets_the_id_to_use(
    tmp_path: Path, changes: dict[int, str], expected: str
) -> None:
    # One message per mistake: no pattern error next to the "unknown actor" one.
    write(tmp_path, edit(changes))

    assert problems(tmp_path) == [expected]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {28: "      label: For the deal\n      side: againts"},
            "tiny.yaml:29: actors[0].stance.side: unknown side 'againts'; did you mean "
            "'against'? (one of: for, against, engaged, unstated)",
        ),
        (
            {17: "  - id: kp-term\n    role: drivr"},
            "tiny.yaml:18: key_points[0].role: unknown role 'drivr'; did you mean 'driver'? "
            "(one of: driver, obstacle, outlook, context)",
        ),
    ],
)
def test_an_unknown_enum_value_gets_did_you_mean(
    tmp_path: Path, changes: dict[int, str], expected: str
) -> None:
    write(tmp_path, edit(changes))

    assert problems(tmp_path) == [expected]


def test_an_unknown_kind_gets_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, TINY + "source_notes:\n  - kind: slipp\n    text: A slip.\n")

    assert problems(tmp_path) == [
        "tiny.yaml:60: source_notes[0].kind: unknown kind 'slipp'; did you mean 'slip'? "
        "(one of: slip, repetition, gap, boilerplate, other)"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {53: "    sort_key: Dec 2025"},
            "tiny.yaml:53: timeline[0].sort_key: must be the date as a sort key, as precise as "
            'the article: "2022", "2022-12" or "2022-12-05", in quotes; for \'Dec 2025\' write '
            '"2025-12"',
        ),
        (
            {53: "    sort_key: 2025"},
            "tiny.yaml:53: timeline[0].sort_key: must be text, not a number: put it in quotes: "
            '"2025"',
        ),
        (
            {17: "  - id: KP Term"},
            "tiny.yaml:17: key_points[0].id: must be an id: lower-case letters, digits and "
            "hyphens, starting with a letter or digit; try 'kp-term'",
        ),
        (
            {3: 'added: "01/01/2026"'},
            'tiny.yaml:3: added: must be a date written "YYYY-MM-DD", in quotes (e.g. '
            "\"2026-01-31\") (got '01/01/2026')",
        ),
        (
            {15: "      paragraph: 0"},
            "tiny.yaml:15: summary.evidence[0].paragraph: must be 1 or more: paragraphs are "
            "counted from 1",
        ),
        (
            {45: "      label: " + "x" * 70},
            "tiny.yaml:45: actors[1].stance.label: is too long: at most 60 characters (it has 70)",
        ),
    ],
)
def test_patterns_and_limits_are_said_in_words(
    tmp_path: Path, changes: dict[int, str], expected: str
) -> None:
    write(tmp_path, edit(changes))

    found = problems(tmp_path)

    assert found == [expected]
    assert_plain(found)


def test_evidence_written_as_a_bare_quote(tmp_path: Path) -> None:
    write(tmp_path, edit({57: "      - Alpha and Beta signed a deal.", 58: ""}))

    assert problems(tmp_path) == [
        "tiny.yaml:57: timeline[0].evidence[0]: each evidence item needs a quote and a paragraph "
        "(got 'Alpha and Beta signed a deal.')"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {46: '      explanation: "Beta may leave.'},
            "tiny.yaml:46: actors[1].stance.explanation: malformed YAML (column 20): the quote "
            "that opens this value is not closed on its line, so the value runs on to the next "
            "quote mark (line 52)",
        ),
        (
            {46: '      explanation: "Beta" may leave.'},
            "tiny.yaml:46: actors[1].stance.explanation: malformed YAML (column 27): the value's "
            "closing quote is followed by more text: to use quote marks inside a value, put it in "
            "the other kind of quotes (or use “curly” ones)",
        ),
        (
            {46: "      explanation Beta may leave."},
            "tiny.yaml:46: actors[1].stance: malformed YAML (column 7): this line is neither a "
            "field (name: value) nor a list item (- …); if it continues the value above, indent "
            "it more than that field's name",
        ),
        (
            {46: "     explanation: Beta may leave."},
            "tiny.yaml:46: actors[1].stance.explanation: malformed YAML (column 6): this line is "
            "not indented like the fields above it",
        ),
        (
            {46: "\t  explanation: Beta may leave."},
            "tiny.yaml:46: (root): malformed YAML (column 1): a tab character: indent with spaces "
            "only",
        ),
        (
            {46: "      explanation: @Beta may leave."},
            "tiny.yaml:46: actors[1].stance.explanation: malformed YAML (column 20): a value "
            "cannot start with '@': put the whole value in quotes",
        ),
        (
            {43: "    aliases: - Betaland"},
            "tiny.yaml:43: actors[1].aliases: malformed YAML (column 14): a list cannot start on "
            "the same line as its field: put each '- item' below it",
        ),
        (
            {43: "    aliases: [Betaland"},
            "tiny.yaml:43: actors[1].aliases: malformed YAML (column 14): the [ opened here is "
            "never closed with ] (a value that starts with [ must be a whole list, or be put in "
            "quotes)",
        ),
        (
            {12: "  text: TODO: write the summary"},
            "tiny.yaml:12: summary.text: malformed YAML (column 13): the value contains a colon "
            'and a space: put the whole value in quotes, like text: "TODO: write the summary"',
        ),
    ],
)
def test_yaml_syntax_errors_in_plain_words_with_the_line(
    tmp_path: Path, changes: dict[int, str], expected: str
) -> None:
    write(tmp_path, edit(changes))

    found = problems(tmp_path)

    assert found == [expected]
    assert_plain(found)


def test_a_todo_left_by_briefbot_new_is_refused(tmp_path: Path) -> None:
    write(tmp_path, edit({12: '  text: "TODO: write the summary"', 28: '      label: "TODO"'}))

    assert problems(tmp_path) == [
        "tiny.yaml:12: summary.text: still a TODO from `briefbot new`: write the claim its "
        "evidence supports, in your own words, or delete this candidate",
        "tiny.yaml:28: actors[0].stance.label: still a TODO from `briefbot new`: write it",
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=st.integers(min_value=1, max_value=len(TINY.splitlines())),
    mutation=st.sampled_from(
        [
            lambda s: s.replace(":", "", 1),
            lambda s: s.replace(": ", ": [", 1),
            lambda s: s.replace(": ", ': "', 1),
            lambda s: s.replace(": ", ": @", 1),
            lambda s: s.replace(": ", ": Beta: ", 1),
            lambda s: " " + s,
            lambda s: s[1:],
            lambda s: "\t" + s.lstrip(),
            lambda s: s.replace("-", "", 1),
            lambda s: s.upper(),
            lambda s: s[:-3],
            lambda s: s + "x",
            lambda s: s.replace("e", "ee", 1),
            lambda s: s.replace(": ", ": 7", 1),
            lambda s: s.replace(": ", ": - ", 1),
            lambda s: "",
        ]
    ),
)
def test_no_message_carries_parser_pydantic_or_regex_text(line: int, mutation: Any) -> None:
    lines = TINY.splitlines()
    changed = edit({line: mutation(lines[line - 1])})
    with tempfile.TemporaryDirectory() as directory:
        write(Path(directory), changed)
        messages = [p.message + " " + p.field for p in validate_directory(directory)]

    assert_plain(messages)
