"""What the operator typed is what gets validated: YAML 1.2, no anchors, no tags, and
syntax errors that say what is wrong and how to fix it, at their place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from proaktive.campaign import campaign_problems, load_campaign
from proaktive.campaign.model import Language, Postcode
from proaktive.settings import Settings

WriteCampaign = Callable[..., Path]  # the write_campaign fixture

HEAD = "id: c\ntitle: T\ntemplate: t\n"
ADULTS = "audience: {age: {min: 18}}\n"

VALUES = [
    pytest.param(
        # YAML 1.1 made this a date and crashed on month 13, hiding every other problem.
        HEAD + "audience:\n  all:\n    - born: {from: 1950-13-01}\n    - district: Frognar\n",
        [
            "6:20: '1950-13-01' is not a date: there is no month 13",
            "7:17: unknown district 'Frognar' (did you mean Frogner?)",
        ],
        id="impossible-date-unquoted",
    ),
    pytest.param(
        HEAD + "audience:\n  born: {from: 1950-02-29, to: 1950-04-00}\n",
        [
            "5:16: '1950-02-29' is not a date: February 1950 has 28 days",
            "5:32: '1950-04-00' is not a date: there is no day 0",
        ],
        id="impossible-days",
    ),
    pytest.param(
        HEAD + "audience:\n  born: {from: 19500101, to: 1950-W01-1}\n",
        [
            "5:16: 19500101 is not a date like 1950-01-01",
            "5:30: '1950-W01-1' is not a date like 1950-01-01",
        ],
        id="dates-in-other-iso-forms",
    ),
    pytest.param(
        # YAML 1.1 read 0150 as the octal number 104.
        HEAD + "audience:\n  postcode: 0150\n",
        ['5:13: postcode 0150 is a number, not text (quote it: "0150")'],
        id="postcode-leading-zero",
    ),
    pytest.param(
        # YAML 1.1 read 030103 as the octal number 12355.
        HEAD + "audience:\n  district: 030103\n",
        ['5:13: district 030103 is a number, not text (quote it: "030103")'],
        id="district-leading-zero",
    ),
    pytest.param(
        # YAML 1.1 read no as false.
        HEAD + "audience:\n  language: no\n",
        ["5:13: unknown language 'no' (Norwegian is 'nb' for bokmål or 'nn' for nynorsk)"],
        id="language-no",
    ),
    pytest.param(
        HEAD + ADULTS + "frequency_cap: no\ncontact: {ignore_reservation: on}\n",
        [
            "5:16: 'frequency_cap' should be true or false, not 'no' (did you mean false?)",
            "6:31: 'ignore_reservation' should be true or false, not 'on' (did you mean true?)",
        ],
        id="yes-no-on-off",
    ),
    pytest.param(
        HEAD + "audience: {area: {file: a.geojson, buffer_m: .inf}}\n",
        [
            "4:25: area file not found: campaigns/a.geojson "
            "(the path is relative to the campaign file's folder)",
            "4:46: 'buffer_m' should be a finite number, not .inf",
        ],
        id="infinite-buffer",
    ),
]


@pytest.mark.parametrize(("text", "expected"), VALUES)
def test_values_are_validated_as_typed(
    text: str, expected: list[str], write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(text)
    problems = [str(problem) for problem in campaign_problems(path, settings)]
    assert problems == [f"campaigns/c.yaml:{problem}" for problem in expected]


def test_yaml_1_1_words_are_text(write_campaign: WriteCampaign, settings: Settings) -> None:
    path = write_campaign("id: c\ntitle: yes\ntemplate: t\naudience: {language: [en, nn]}\n")
    campaign = load_campaign(path, settings)
    assert campaign.title == "yes"
    assert campaign.audience == Language(("en", "nn"))


def test_quoted_codes_keep_their_zeros(write_campaign: WriteCampaign, settings: Settings) -> None:
    path = write_campaign(HEAD + 'audience: {postcode: ["0150", "0182"]}\n')
    assert load_campaign(path, settings).audience == Postcode(("0150", "0182"))


REFUSED = [
    pytest.param(
        # This one recursed until Python gave up (RecursionError).
        "x: &a [*a]\n",
        [
            "1:4: '&a' names a value for repeating (a YAML anchor), which is not allowed here "
            "(remove it)",
            "1:8: '*a' repeats a value from elsewhere in the file (a YAML alias), which is not "
            "allowed here (write the value out in full)",
        ],
        id="recursive-alias",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - &adults {age: {min: 18}}\n    - not: *adults\n",
        [
            "6:7: '&adults' names a value for repeating (a YAML anchor), which is not allowed "
            "here (remove it)",
            "7:12: '*adults' repeats a value from elsewhere in the file (a YAML alias), which "
            "is not allowed here (write the value out in full)",
        ],
        id="anchor-and-alias",
    ),
    pytest.param(
        HEAD + ADULTS + "owner: !!binary T3Nsbw==\n",
        [
            "5:8: '!!binary' (a YAML tag) is not allowed here "
            "(remove it, and write the value as it is)"
        ],
        id="tag",
    ),
    pytest.param(
        HEAD + ADULTS + "1: x\nnull: y\n? [a]\n: z\n",
        [
            "5:1: a key must be a name, not 1",
            "6:1: a key must be a name, not null",
            "7:3: a key must be a name, not a list or a mapping",
        ],
        id="keys-not-names",
    ),
]


@pytest.mark.parametrize(("text", "expected"), REFUSED)
def test_what_would_hide_a_value_is_refused(
    text: str, expected: list[str], write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(text)
    problems = [str(problem) for problem in campaign_problems(path, settings)]
    assert problems == [f"campaigns/c.yaml:{problem}" for problem in expected]


SYNTAX = [
    pytest.param(
        HEAD + "audience:\n\tage: {min: 18}\n",
        "5:1: a tab character: YAML indents with spaces only (replace it with spaces)",
        id="tab",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - age: {min: 18}\n   - district: Frogner\n",
        "7:4: this line is not aligned with the lines above it (align it with line 6)",
        id="list-item-misaligned",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - age: {min: 18}\n      - district: Frogner\n",
        "7:7: this line is not aligned with the lines above it (align it with line 6)",
        id="list-item-too-deep",
    ),
    pytest.param(
        HEAD + "audience:\n    age: {min: 18}\n  district: Frogner\n",
        "6:3: this line is not aligned with the lines above it (align it with line 5)",
        id="key-misaligned",
    ),
    pytest.param(
        "id: c\n  title: T\n",
        "2:3: this line is indented more than line 1, which holds a value already "
        "(align it with line 1)",
        id="indented-under-a-value",
    ),
    pytest.param(
        "id: c\ntitle: Søk: barnehageplass\n",
        "2:11: a second ': ' in a value: a value that holds ': ' must be in quotes "
        '(write title: "Søk: barnehageplass")',
        id="colon-in-value",
    ),
    pytest.param(
        "id: c\ntitle Søk\ntemplate: t\n",
        "2:1: this line is not 'key: value': it has no ':' "
        "(add ': ' after the key, or indent the line if it continues the value above)",
        id="no-colon",
    ),
    pytest.param(
        'id: c\ntitle: "Søk" nå\n',
        "2:14: more text after a complete value (put the whole value in quotes)",
        id="text-after-quotes",
    ),
    pytest.param(
        "id: c\naudience: {district: [Frogner]]}\n",
        "2:31: a ']' that closes nothing (remove it, or add the '[' it closes)",
        id="bracket-closes-nothing",
    ),
    pytest.param(
        "audience: {age: {min: 18 max: 66}}\n",
        "1:29: expected ',' or '}' here: the '{' at line 1, column 17 is open "
        "(separate the items with ', ', and end them with '}')",
        id="missing-comma",
    ),
    pytest.param(
        "audience: {district: [Frogner, Sagene\n",
        "1:22: this '[' is never closed (end it with ']')",
        id="bracket-never-closed",
    ),
    pytest.param(
        'id: c\ntitle: "Søk\n',
        "2:8: this quote is never closed (end the text with the same quote mark)",
        id="quote-never-closed",
    ),
    pytest.param(
        'title: "C:\\Users"\n',
        "1:11: '\\U' is not something a backslash can mean in double quotes "
        "(use single quotes, or write the backslash twice)",
        id="backslash",
    ),
    pytest.param(
        "title: @home\n",
        "1:8: a value cannot start with '@' (put the value in quotes)",
        id="reserved-character",
    ),
    pytest.param(
        "id: c\ntitle: T\n- x\n",
        "3:1: a list item where a key was expected "
        "(align the '-' with the other items of its list, or indent it under its key)",
        id="list-item-among-keys",
    ),
    pytest.param(
        "id: c\n---\nid: d\n",
        "2:1: a second document starts here: the file may hold only one "
        "(remove the '---' line and what follows it, or move that to a file of its own)",
        id="two-documents",
    ),
    pytest.param(
        "title: a\x07b\n",
        "1:9: a control character (U+0007) that YAML does not allow "
        "(delete it: it is invisible in most editors, so retype the text around it)",
        id="control-character",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SYNTAX)
def test_syntax_errors_say_what_is_wrong_and_the_fix(
    text: str, expected: str, write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(text)
    problems = [str(problem) for problem in campaign_problems(path, settings)]
    assert problems == [f"campaigns/c.yaml:{expected}"]


def test_nesting_too_deep_for_the_reader(write_campaign: WriteCampaign, settings: Settings) -> None:
    path = write_campaign("[" * 5000 + "]" * 5000 + "\n")
    assert [str(problem) for problem in campaign_problems(path, settings)] == [
        "campaigns/c.yaml: nested too deeply to be a campaign or settings file"
    ]
