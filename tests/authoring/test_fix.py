"""``briefbot validate --fix``: only the unambiguous corrections, said, with the YAML's layout
and comments kept."""

from __future__ import annotations

import io
from pathlib import Path

from bot.authoring import commands
from bot.authoring.fix import fix_directory, plan_directory
from bot.core.loader import load_directory, validate_directory
from tests.core.test_loader import TINY, edit, write


def fixed(directory: Path) -> list[str]:
    out = io.StringIO()
    commands.validate_fix(directory, out=out)
    return [line.replace(f"{directory}/", "") for line in out.getvalue().splitlines()]


def test_a_wrong_paragraph_number_is_corrected_and_said(tmp_path: Path) -> None:
    line_15 = TINY.splitlines()[14].replace("2", "3", 1)  # "paragraph: 3   # line 15"
    path = write(tmp_path, edit({49: "          paragraph: 1   # was it 1?", 15: line_15}))

    assert fixed(tmp_path) == [
        "fixed tiny.yaml:15: summary.evidence[0].paragraph: paragraph 3 → 2 (the quote is in "
        "paragraph 2)",
        "fixed tiny.yaml:49: actors[1].stance.evidence[0].paragraph: paragraph 1 → 3 (the quote "
        "is in paragraph 3)",
    ]
    # Only those two values changed: every other line, comments included, is as it was.
    assert path.read_text(encoding="utf-8") == edit({49: "          paragraph: 3   # was it 1?"})
    assert validate_directory(tmp_path) == []


def test_other_quote_marks_and_dots_are_copied_from_the_source(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edit(
            {
                20: "      - quote: 'The deal runs for «ten years» – unless Beta leaves.'  # kp",
                31: '        - quote: "Alpha and Beta signed a deal. Gamma objected…"',
                32: "          paragraph: 3",
            }
        ),
        source=TINY_SOURCE_WITH_DOTS,
    )

    assert fixed(tmp_path) == [
        "fixed tiny.yaml:20: key_points[0].evidence[0].quote: copied the source's quote marks, "
        "apostrophes, dashes and dots: “The deal runs for “ten years” — unless Beta leaves.”",
        "fixed tiny.yaml:31: actors[0].stance.evidence[0].quote: copied the source's quote marks, "
        "apostrophes, dashes and dots: “Alpha and Beta signed a deal. Gamma objected...”",
        "fixed tiny.yaml:32: actors[0].stance.evidence[0].paragraph: paragraph 3 → 2 (the quote "
        "is in paragraph 2)",
    ]
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[19] == "      - quote: 'The deal runs for “ten years” — unless Beta leaves.'  # kp"
    assert text[30] == '        - quote: "Alpha and Beta signed a deal. Gamma objected..."'
    [loaded] = load_directory(tmp_path)
    assert loaded.briefing.key_points[0].evidence[0].quote.startswith("The deal runs for “ten")


def test_a_folded_quote_is_replaced_in_place(tmp_path: Path) -> None:
    folded = "\n".join(
        [
            "      - quote: >-",
            "          The deal runs for «ten years»",
            "          — unless Beta leaves.",
        ]
    )
    yaml_text = edit({20: folded})
    path = write(tmp_path, yaml_text)

    [change] = plan_directory(tmp_path)

    assert change.line == 20
    fix_directory(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[19] == '      - quote: "The deal runs for “ten years” — unless Beta leaves."'
    assert lines[20] == "        paragraph: 3"
    assert validate_directory(tmp_path) == []


def test_what_is_not_unambiguous_is_left_to_the_author(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edit(
            {
                31: "        - quote: alpha and Beta signed a deal.",  # a case slip
                48: "        - quote: Beta",  # in paragraphs 2 and 3: which one?
                49: "          paragraph: 1",
                57: "      - quote: Alpha and Beta signed a treaty.",  # a wording slip
            }
        ),
    )
    before = path.read_text(encoding="utf-8")

    assert fixed(tmp_path) == ["Nothing to fix automatically."]
    assert path.read_text(encoding="utf-8") == before
    assert len(validate_directory(tmp_path)) == 3


def test_a_file_that_does_not_parse_is_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path, TINY + "oops: [\n")

    assert plan_directory(tmp_path) == []
    assert path.read_text(encoding="utf-8").endswith("oops: [\n")


TINY_SOURCE_WITH_DOTS = """A Tiny Article

Alpha and Beta signed a deal. Gamma objected...

The deal runs for “ten years” — unless Beta leaves.
"""
