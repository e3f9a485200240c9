"""bot.core.loader: every kind of content problem is reported as ``file:line: field: message``.

Most tests write the small briefing ``TINY`` (line numbers in its comments) to a temporary
directory, change one or two lines without shifting the others, and compare the problems a
user would see, with the directory prefix removed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

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


def write(directory: Path, yaml_text: str = TINY, *, name: str = "tiny.yaml") -> Path:
    """Write a briefing and its source text into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tiny.source.txt").write_text(TINY_SOURCE, encoding="utf-8")
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
        "tiny.yaml:46: (root): malformed YAML (column 24): "
        "mapping values are not allowed in this context"
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
        "tiny.yaml:8: source.writer: unknown field (not part of the briefing schema)",
    ]


def test_wrong_types_name_the_dotted_path(tmp_path: Path) -> None:
    write(tmp_path, edit({15: "      paragraph: two", 47: "      evidence: []", 48: "", 49: ""}))

    assert problems(tmp_path) == [
        "tiny.yaml:15: summary.evidence[0].paragraph: Input should be a valid integer, "
        "unable to parse string as an integer (got a string 'two')",
        "tiny.yaml:47: actors[1].stance.evidence: "
        "List should have at least 1 item after validation, not 0",
    ]


def test_an_unquoted_date_gets_a_hint(tmp_path: Path) -> None:
    write(tmp_path, edit({3: "added: 2026-01-01"}))

    [problem] = problems(tmp_path)
    assert problem.startswith("tiny.yaml:3: added: Input should be a valid string")
    assert 'put it in quotes: "2026-01-01"' in problem


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


def test_quote_not_in_the_source(tmp_path: Path) -> None:
    # Case matters: only whitespace, quotes, apostrophes and dashes are normalised.
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
        "tiny.yaml:31: actors[0].stance.evidence[0].quote: "
        "quote not found in the source text: Alpha and Beta signed a treaty.",
        "tiny.yaml:48: actors[1].stance.evidence[0].quote: "
        "quote not found in the source text: Unless Beta leaves",
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
        "broken.yaml:3: (root): malformed YAML (column 1): "
        "while parsing a flow node did not find expected node content",
        "tiny.yaml:8: source.author: Input should be a valid string (the value is empty)",
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
