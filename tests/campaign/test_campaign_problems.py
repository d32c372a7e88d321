"""Every problem a campaign file can have, with its exact text, line and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from proaktive.campaign import campaign_problems, load_campaign
from proaktive.errors import CampaignError
from proaktive.settings import Settings

WriteCampaign = Callable[..., Path]  # the write_campaign fixture

# Lines 1-3 of most cases: what a campaign needs besides its audience.
HEAD = "id: c\ntitle: T\ntemplate: t\n"
ADULTS = "audience: {age: {min: 18}}\n"

CASES = [
    pytest.param(
        HEAD + ADULTS + "audiance: x\n",
        ["5:1: unknown key 'audiance' (did you mean 'audience'?)"],
        id="unknown-key-near",
    ),
    pytest.param(
        HEAD + ADULTS + "contact: {ignore_reservations: true}\n",
        ["5:11: unknown key 'ignore_reservations' (did you mean 'ignore_reservation'?)"],
        id="unknown-nested-key",
    ),
    pytest.param(
        HEAD + ADULTS + "sender: {form: x}\n",
        ["5:10: unknown key 'form' (did you mean 'from'?)"],
        id="unknown-key-alias",
    ),
    pytest.param(
        "owner: Utdanningsetaten\n",
        [
            "1:1: missing required key 'id'",
            "1:1: missing required key 'title'",
            "1:1: missing required key 'template'",
            "1:1: missing required key 'audience'",
        ],
        id="missing-keys",
    ),
    pytest.param(
        "",
        ["1:1: the file is empty (a campaign needs at least id, title, template and audience)"],
        id="empty-file",
    ),
    pytest.param(
        "id: c\ntitle: [T\n",
        ["2:8: this '[' is never closed (end it with ']')"],
        id="not-yaml",
    ),
    pytest.param(
        "- id: c\n",
        [
            "1:1: a campaign file holds 'key: value' lines, not a list "
            "(remove the '- ' in front of the first key)"
        ],
        id="not-a-mapping",
    ),
    pytest.param(
        "- id: c\n- id: d\n",
        [
            "1:1: a campaign file holds 'key: value' lines, not a list "
            "(put each campaign in a file of its own)"
        ],
        id="two-campaigns-in-a-list",
    ),
    pytest.param(
        "barnehageopptak\n",
        [
            # Never quoted: a file named by mistake (a .env file) may hold a password.
            "1:1: a campaign file holds 'key: value' lines, not a single value "
            "(a campaign needs at least id, title, template and audience)"
        ],
        id="just-a-word",
    ),
    pytest.param(
        '{"type": "Feature", "properties": {}, "geometry": null}\n',
        [
            "1:1: not a campaign: it has no id, title, template or audience, "
            "and keys a campaign does not have (type, properties, geometry)"
        ],
        id="not-a-campaign",
    ),
    pytest.param(
        "# id: c\n",
        ["1:1: the file is empty (a campaign needs at least id, title, template and audience)"],
        id="only-a-comment",
    ),
    pytest.param(
        HEAD + "audience:\n  age:\n  min: 67\n",
        ["6:3: 'min' belongs under 'age' (indent it further than 'age:' on line 5)"],
        id="sub-key-not-indented",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - child:\n      age_months: {min: 4, max: 4}\n",
        ["7:7: 'age_months' belongs under 'child' (indent it further than 'child:' on line 6)"],
        id="sub-key-not-indented-in-list",
    ),
    pytest.param(
        HEAD + ADULTS + "contact:\nignore_reservation: true\nallow_stale_contact: true\n",
        [
            "6:1: 'ignore_reservation' belongs under 'contact' "
            "(indent it further than 'contact:' on line 5)",
            "7:1: 'allow_stale_contact' belongs under 'contact' "
            "(indent it further than 'contact:' on line 5)",
        ],
        id="top-level-key-not-indented",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - age: {min: 18}\n      district: Frogner\n",
        [
            "6:7: a criterion has exactly one key, found 2: age, district "
            "(start each criterion of the list with '- ')"
        ],
        id="list-item-without-dash",
    ),
    pytest.param(
        HEAD + "audience:\n  - age: {min: 18}\n",
        [
            "5:3: a criterion is a name with a value, like 'age: {min: 18}', not a list "
            "(to combine criteria, list them under 'all:' or 'any:')"
        ],
        id="audience-a-list",
    ),
    pytest.param(
        HEAD + "audience: {age: 18}\n",
        ["4:17: 'age' should be keys with values, not 18 (like 'age: {min: 18, max: 66}')"],
        id="age-a-number",
    ),
    pytest.param(
        HEAD + "audience: {moved_in: 30}\n",
        [
            "4:22: 'moved_in' should be keys with values, not 30 "
            "(like 'moved_in: {within_days: 30}')"
        ],
        id="moved-in-a-number",
    ),
    pytest.param(
        HEAD + ADULTS + "sender: ikke-svar@oslo.kommune.no\n",
        [
            "5:9: 'sender' should be keys with values, not 'ikke-svar@oslo.kommune.no' "
            "(like 'sender: {from: \"Oslo kommune <ikke-svar@oslo.kommune.no>\"}')"
        ],
        id="sender-an-address",
    ),
    pytest.param(
        HEAD + ADULTS + "repeat_after_days: 300 days\ncategory: [service]\nowner: [UDE]\n",
        [
            "5:20: 'repeat_after_days' should be a whole number, not '300 days'",
            "6:11: 'category' should be 'information', 'service' or 'statutory', not a list",
            "7:8: 'owner' should be text, not a list",
        ],
        id="wrong-types",
    ),
    pytest.param(
        HEAD + ADULTS + "category: Service\n",
        [
            "5:11: 'category' should be 'information', 'service' or 'statutory', "
            "not 'Service' (did you mean 'service'?)"
        ],
        id="category-capitalised",
    ),
    pytest.param(
        HEAD + "audience:\n",
        ["4:10: a criterion is needed here, like 'age: {min: 18}'"],
        id="audience-empty",
    ),
    pytest.param(
        HEAD + "audience:\nage: {min: 18}\n",
        ["5:1: 'age' belongs under 'audience' (indent it further than 'audience:' on line 4)"],
        id="criterion-not-indented",
    ),
    pytest.param(
        HEAD + "audience: {district: Frogner, Sagene}\n",
        [
            "4:11: a criterion has exactly one key, found 2: district, Sagene "
            "(to give 'district' several values, put them in brackets: "
            "district: [Frogner, Sagene])"
        ],
        id="values-without-brackets",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - {language: nb, en}\n",
        [
            "6:7: a criterion has exactly one key, found 2: language, en "
            "(to give 'language' several values, put them in brackets: language: [nb, en])"
        ],
        id="values-without-brackets-in-a-list",
    ),
    pytest.param(
        HEAD + 'audience: {postcode: "0182", 0183}\n',
        [
            "4:30: a key must be a name, not 0183 "
            "(to give a key several values, put them in brackets: [a, b])"
        ],
        id="codes-without-brackets",
    ),
    pytest.param(
        HEAD + "audience: {born: {from: 1.1.1950, to: 31.12.1959}}\n",
        [
            "4:25: '1.1.1950' is not a date like 1950-01-01 (write year-month-day: 1950-01-01)",
            "4:39: '31.12.1959' is not a date like 1950-01-01 (write year-month-day: 1959-12-31)",
        ],
        id="norwegian-dates",
    ),
    pytest.param(
        HEAD + ADULTS + "frequency_cap: 3\n",
        [
            "5:16: frequency_cap says whether the settings' cap applies: true or false, not 3 "
            "(the cap itself is max_messages and per_days in proaktive.yaml)"
        ],
        id="frequency-cap-a-number",
    ),
    pytest.param(
        HEAD + "audience: {moved_in: {within_days: 30, from: another district}}\n",
        [
            "4:46: 'from' should be 'anywhere', 'another_district' or 'another_municipality', "
            "not 'another district' (did you mean 'another_district'?)"
        ],
        id="moved-in-from-with-a-space",
    ),
    pytest.param(
        HEAD + "audience: {age: {min: 18}}\nAudience: x\n",
        ["5:1: unknown key 'Audience' (did you mean 'audience'?)"],
        id="key-capitalised",
    ),
    pytest.param(
        "id: Barnehage_2026\ntitle: T\ntemplate: t\n" + ADULTS,
        [
            "1:5: id 'Barnehage_2026' may hold only a-z, 0-9 and '-', and not start with '-' "
            "(e.g. 'barnehageopptak-2026')"
        ],
        id="id-pattern",
    ),
    pytest.param(
        "id: -c\ntitle: T\ntemplate: t\n" + ADULTS,
        [
            "1:5: id '-c' may hold only a-z, 0-9 and '-', and not start with '-' "
            "(e.g. 'barnehageopptak-2026')"
        ],
        id="id-leading-dash",
    ),
    pytest.param(
        "id: 2026\ntitle: ''\ntemplate: t\n" + ADULTS,
        ["1:5: 'id' should be text, not 2026 (quote it: \"2026\")", "2:8: 'title' is empty"],
        id="id-number-title-empty",
    ),
    pytest.param(
        "id: c\ntitle:\ntemplate: t\n" + ADULTS,
        ["2:7: 'title' needs a value"],
        id="title-null",
    ),
    pytest.param(
        HEAD + "audience: {age: {min: 18}, district: Frogner}\n",
        [
            "4:11: a criterion has exactly one key, found 2: age, district "
            "(to combine criteria, list them under 'all:' or 'any:')"
        ],
        id="criterion-two-keys",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - {}\n",
        ["6:7: a criterion has exactly one key, found none (like 'age: {min: 18}')"],
        id="criterion-no-key",
    ),
    pytest.param(
        HEAD + "audience: age\n",
        ["4:11: a criterion is a name with a value, like 'age: {min: 18}', not 'age'"],
        id="criterion-not-mapping",
    ),
    pytest.param(
        HEAD + "audience:\n  agee: {min: 18}\n",
        ["5:3: unknown criterion 'agee' (did you mean 'age'?)"],
        id="criterion-unknown",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - age: {min: 18}\n    - moved: {within_days: 30}\n",
        ["7:7: unknown criterion 'moved' (did you mean 'moved_in'?)"],
        id="criterion-unknown-nested",
    ),
    pytest.param(
        HEAD + "audience:\n  age:\n",
        ["5:3: 'age' needs a value"],
        id="criterion-null",
    ),
    pytest.param(
        HEAD + "audience:\n  all: {age: {min: 18}}\n",
        ["5:8: 'all' needs a list of criteria (write each on its own line, after '- ')"],
        id="all-not-list",
    ),
    pytest.param(
        HEAD + "audience:\n  any: []\n",
        ["5:8: 'any' needs a list of criteria (write each on its own line, after '- ')"],
        id="any-empty",
    ),
    pytest.param(
        HEAD + "audience:\n  not: [{age: {min: 18}}]\n",
        [
            "5:8: a criterion is a name with a value, like 'age: {min: 18}', not a list "
            "(to combine criteria, list them under 'all:' or 'any:')"
        ],
        id="not-list",
    ),
    pytest.param(
        HEAD + "audience: {age: {min: 67, max: 18}}\n",
        ["4:17: min 67 is greater than max 18"],
        id="age-min-above-max",
    ),
    pytest.param(
        HEAD + "audience: {age: {min: -1, max: 18.5}}\n",
        [
            "4:23: 'min' should be 0 or more, not -1",
            "4:32: 'max' should be a whole number, not 18.5",
        ],
        id="age-bad-bounds",
    ),
    pytest.param(
        HEAD + "audience: {age: {min: '18'}}\n",
        ["4:23: 'min' should be a whole number, not '18' (write it without quotes)"],
        id="age-quoted-number",
    ),
    pytest.param(
        HEAD + "audience: {age: {minimum: 18}}\n",
        ["4:18: unknown key 'minimum' (did you mean 'min'?)"],
        id="age-unknown-key",
    ),
    pytest.param(
        HEAD + "audience:\n  born: {from: 1960-01-01, to: 1950-12-31}\n",
        ["5:9: from 1960-01-01 is after to 1950-12-31"],
        id="born-from-after-to",
    ),
    pytest.param(
        HEAD + "audience:\n  born: {from: '1950-13-01', to: 1950}\n",
        [
            "5:16: '1950-13-01' is not a date: there is no month 13",
            "5:34: 1950 is not a date like 1950-01-01",
        ],
        id="born-not-dates",
    ),
    pytest.param(
        HEAD + "audience:\n  child: {age_months: {min: 5, max: 4}}\n",
        ["5:23: min 5 is greater than max 4"],
        id="child-min-above-max",
    ),
    pytest.param(
        HEAD + "audience:\n  child: {age: {min: 1}, age_days: {max: 30}}\n",
        ["5:10: child needs exactly one of age, age_months or age_days, found 2: age, age_days"],
        id="child-two-ages",
    ),
    pytest.param(
        HEAD + "audience:\n  child: {}\n",
        ["5:10: child needs exactly one of age, age_months or age_days, found none"],
        id="child-no-age",
    ),
    pytest.param(
        HEAD + "audience:\n  child: {age_weeks: {max: 8}}\n",
        ["5:11: unknown key 'age_weeks' (known: age, age_months, age_days)"],
        id="child-unknown-unit",
    ),
    pytest.param(
        HEAD + "audience:\n  district: Frognar\n",
        ["5:13: unknown district 'Frognar' (did you mean Frogner?)"],
        id="district-unknown",
    ),
    pytest.param(
        HEAD + "audience:\n  district: [Nordstrnd, Xyzzy]\n",
        [
            "5:14: unknown district 'Nordstrnd' (did you mean Nordstrand?)",
            "5:25: unknown district 'Xyzzy' (e.g. Frogner, or \"030105\")",
        ],
        id="district-suggestions",
    ),
    pytest.param(
        HEAD + 'audience:\n  district: [30106, "030199"]\n',
        [
            '5:14: district 30106 is a number, not text (quote it: "030106")',
            "5:21: unknown district number '030199' (Oslo's districts are 030101 to 030117)",
        ],
        id="district-numbers",
    ),
    pytest.param(
        HEAD + "audience:\n  district: []\n",
        ["5:13: 'district' needs at least one value"],
        id="district-empty",
    ),
    pytest.param(
        HEAD + 'audience:\n  postcode: [182, 0150, "182", "01a2"]\n',
        [
            '5:14: postcode 182 is a number, not text (quote it: "0182")',
            # YAML reads 0150 as the octal number 104: the message shows what was written.
            '5:19: postcode 0150 is a number, not text (quote it: "0150")',
            "5:25: postcode '182' is not 4 digits (did you mean \"0182\"?)",
            "5:32: postcode '01a2' is not 4 digits",
        ],
        id="postcode-not-text",
    ),
    pytest.param(
        HEAD + "audience:\n  street: {name: Storgata, from: 39, to: 1}\n",
        ["5:11: from 39 is greater than to 1"],
        id="street-from-above-to",
    ),
    pytest.param(
        HEAD + "audience:\n  street: {name: Storgata, side: left, postcode: 182}\n",
        [
            "5:34: 'side' should be 'odd', 'even' or 'both', not 'left'",
            '5:50: postcode 182 is a number, not text (quote it: "0182")',
        ],
        id="street-side-postcode",
    ),
    pytest.param(
        HEAD + "audience:\n  street: {from: 1}\n",
        ["5:11: missing required key 'name'"],
        id="street-no-name",
    ),
    pytest.param(
        HEAD + "audience:\n  language: [de, EN]\n",
        [
            "5:14: unknown language 'de' (use nb, nn, en or se)",
            "5:18: unknown language 'EN' (did you mean 'en'?)",
        ],
        id="language-unknown",
    ),
    pytest.param(
        HEAD + "audience:\n  moved_in: {within_days: -1, from: abroad}\n",
        [
            "5:27: 'within_days' should be 0 or more, not -1",
            "5:37: 'from' should be 'anywhere', 'another_district' or 'another_municipality', "
            "not 'abroad'",
        ],
        id="moved-in-bad",
    ),
    pytest.param(
        HEAD + "audience:\n  moved_in: {from: another_district}\n",
        ["5:13: missing required key 'within_days'"],
        id="moved-in-no-days",
    ),
    pytest.param(
        HEAD + "audience:\n  area: areas/graving.geojson\n",
        [
            "5:9: area file not found: campaigns/areas/graving.geojson "
            "(the path is relative to the campaign file's folder)"
        ],
        id="area-short-not-found",
    ),
    pytest.param(
        HEAD + "audience:\n  area: {file: ../graving.geojson, buffer_m: -5}\n",
        [
            "5:16: area file not found: campaigns/../graving.geojson "
            "(the path is relative to the campaign file's folder)",
            "5:46: 'buffer_m' should be 0 or more, not -5",
        ],
        id="area-not-found-negative-buffer",
    ),
    pytest.param(
        HEAD + ADULTS + "contact: {ignore_reservation: true}\n",
        [
            "5:31: ignore_reservation is allowed only with category service or statutory, "
            "not information (an information campaign may never override a citizen's choice)"
        ],
        id="override-reservation",
    ),
    pytest.param(
        HEAD + ADULTS + "contact:\n  allow_stale_contact: true\n  ignore_reservation: true\n",
        [
            "7:23: ignore_reservation and allow_stale_contact are allowed only with category "
            "service or statutory, not information "
            "(an information campaign may never override a citizen's choice)"
        ],
        id="override-both",
    ),
    pytest.param(
        HEAD + ADULTS + "contact: {include_protected_addresses: true}\n",
        [
            "5:40: include_protected_addresses is allowed only with category statutory, "
            "not information (a person with a protected address may be hiding from someone)"
        ],
        id="protected-addresses-information",
    ),
    pytest.param(
        HEAD
        + ADULTS
        + "category: service\ncontact:\n  ignore_reservation: true\n"
        + "  include_protected_addresses: true\n",
        [
            "8:32: include_protected_addresses is allowed only with category statutory, "
            "not service (a person with a protected address may be hiding from someone)"
        ],
        id="protected-addresses-service",
    ),
    pytest.param(
        HEAD + ADULTS + "category: service\nfrequency_cap: false\n",
        ["6:16: frequency_cap: false is allowed only with category statutory, not service"],
        id="frequency-cap-service",
    ),
    pytest.param(
        HEAD + ADULTS + "category: urgent\nfrequency_cap: false\n",
        ["5:11: 'category' should be 'information', 'service' or 'statutory', not 'urgent'"],
        id="category-unknown",
    ),
    pytest.param(
        HEAD + ADULTS + "repeat_after_days: 0\n",
        ["5:20: 'repeat_after_days' should be 1 or more, not 0"],
        id="repeat-zero",
    ),
    pytest.param(
        HEAD + ADULTS + "default_language: de\n",
        ["5:19: unknown language 'de' (use nb, nn, en or se)"],
        id="default-language",
    ),
    pytest.param(
        "id: c\ntitle: T\ntemplate: x\n" + ADULTS,
        ["3:11: template folder not found: templates/x (create it, or fix 'template')"],
        id="template-folder",
    ),
    pytest.param(
        "id: c\ntitle: T\ntemplate: T\n" + ADULTS,
        ["3:11: template folder not found: templates/T (did you mean 't'?)"],
        id="template-case",
    ),
    pytest.param(
        "id: c\ntitle: T\ntemplate: t/nb.md.j2\n" + ADULTS,
        [
            "3:11: template folder not found: templates/t/nb.md.j2 "
            "('template' names a folder in templates, not a file in it)"
        ],
        id="template-a-file",
    ),
    pytest.param(
        HEAD + ADULTS + "default_language: en\n",
        [
            "3:11: template file not found: templates/t/en.md.j2 "
            "(default_language is en: the template needs a file for it)"
        ],
        id="template-language-file",
    ),
    pytest.param(
        HEAD + ADULTS + "sender: {from: ikke-svar, reply_to: null}\n",
        ["5:16: 'ikke-svar' is not an e-mail address (an email address must have an @-sign)"],
        id="sender-not-address",
    ),
    pytest.param(
        HEAD + ADULTS + "contact: yes\n",
        [
            "5:10: 'contact' should be keys with values, not 'yes' "
            "(like 'contact: {ignore_reservation: true}')"
        ],
        id="contact-not-mapping",
    ),
    pytest.param(
        HEAD + "audience:\n  all:\n    - age: {min: 18}\n      age: {max: 66}\n",
        ["7:7: duplicate key 'age' (first at line 6)"],
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_problems(
    text: str, expected: list[str], write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(text)
    problems = [str(problem) for problem in campaign_problems(path, settings)]
    assert problems == [f"campaigns/c.yaml:{problem}" for problem in expected]


def test_every_problem_at_once_in_file_order(
    write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(
        """\
        id: c
        title: T
        templat: t
        audience:
          all:
            - district: [Frognar, St Hanshaugen]
            - age: {min: 18, max: 12}
        contact:
          allow_stale_contact: true
        frequency_cap: false
        """
    )
    assert [str(problem) for problem in campaign_problems(path, settings)] == [
        "campaigns/c.yaml:1:1: missing required key 'template'",
        "campaigns/c.yaml:3:1: unknown key 'templat' (did you mean 'template'?)",
        "campaigns/c.yaml:6:18: unknown district 'Frognar' (did you mean Frogner?)",
        "campaigns/c.yaml:7:12: min 18 is greater than max 12",
        "campaigns/c.yaml:9:24: allow_stale_contact is allowed only with category service or "
        "statutory, not information (an information campaign may never override a citizen's "
        "choice)",
        "campaigns/c.yaml:10:16: frequency_cap: false is allowed only with category statutory, "
        "not information",
    ]


def test_load_campaign_raises_with_every_problem(
    write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(HEAD + "audience:\n  district: [Frognar, Grunerlokka, Sagne]\n")
    with pytest.raises(CampaignError) as raised:
        load_campaign(path, settings)
    assert str(raised.value).splitlines() == [
        "campaigns/c.yaml:5:14: unknown district 'Frognar' (did you mean Frogner?)",
        "campaigns/c.yaml:5:36: unknown district 'Sagne' (did you mean Sagene?)",
    ]
    assert len(raised.value.problems) == 2


def test_file_not_found(settings: Settings) -> None:
    assert [str(p) for p in campaign_problems(Path("campaigns/nope.yaml"), settings)] == [
        "campaigns/nope.yaml: file not found"
    ]


def test_valid_file_has_no_problems(write_campaign: WriteCampaign, settings: Settings) -> None:
    assert campaign_problems(write_campaign(HEAD + ADULTS), settings) == []


def test_a_file_that_is_not_utf8_says_where(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "latin1.yaml").write_bytes("id: c\ntitle: Søk\n".encode("latin-1"))
    assert [str(p) for p in campaign_problems(Path("latin1.yaml"), settings)] == [
        "latin1.yaml:2:9: not UTF-8 text "
        "(save the file as UTF-8: an ø, æ or å saved otherwise is the usual cause)"
    ]


def test_criteria_nested_too_deeply(write_campaign: WriteCampaign, settings: Settings) -> None:
    nested = "".join("  " * depth + "not:\n" for depth in range(1, 301))
    path = write_campaign(HEAD + "audience:\n" + nested + "  " * 301 + "age: {min: 1}\n")
    problems = [str(problem) for problem in campaign_problems(path, settings)]
    assert len(problems) == 1
    assert problems[0].endswith(": 'not' is nested too deeply")


PYDANTIC_WORDS = ("Value error", "Input should", "valid integer", "valid string", "mapping")


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_no_message_is_in_pydantic_words(
    text: str, expected: list[str], write_campaign: WriteCampaign, settings: Settings
) -> None:
    for problem in campaign_problems(write_campaign(text), settings):
        assert not any(words in str(problem) for words in PYDANTIC_WORDS), str(problem)


def test_a_file_of_one_value_is_never_quoted(
    write_campaign: WriteCampaign, settings: Settings
) -> None:
    """A file named by mistake, like a .env file, is one line of text to YAML."""
    path = write_campaign("PROAKTIVE_SMTP_PASSWORD=synthetic-secret\nHOME=/home/kari\n")
    assert [str(problem) for problem in campaign_problems(path, settings)] == [
        "campaigns/c.yaml:1:1: a campaign file holds 'key: value' lines, not a single value "
        "(a campaign needs at least id, title, template and audience)"
    ]
