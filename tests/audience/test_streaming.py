"""Reading the exports straight from CSV (as `audience count` does) gives exactly what a
full, ordered read gives: the same funnel, the same recipients, the same skipped rows."""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from builders import krr, make_campaign, person, write_registry

from proaktive.audience.model import Audience
from proaktive.audience.resolve import ContactPolicy, needed_exports, resolve
from proaktive.campaign.model import (
    Age,
    AllOf,
    AnyOf,
    Child,
    Criterion,
    Language,
    Not,
)
from proaktive.errors import RegistryError
from proaktive.registry.exports import KRR, PERSONER
from proaktive.registry.loading import open_registry
from proaktive.registry.memo import CheckedFiles

AS_OF = dt.date(2026, 11, 30)


def _registry(folder: Path, *, duplicates: bool) -> Path:
    mor, far, baby = person("1990-03-03"), person("1988-01-01"), person("2026-07-30")
    nn, bad = person("1970-01-01"), person("1971-01-01", foedselsdato="1971-02-30")
    people = [mor, far, baby, nn, bad]
    contacts = [krr(mor), krr(far, epostadresse="FAR@example.no"), krr(nn, spraak="nn")]
    if duplicates:
        people.append(dict(far, fornavn="Later"))  # a second row for far: the first wins
        contacts.append(krr(far, epostadresse="later@example.no"))
    relations = [
        {
            "personidentifikator": parent["personidentifikator"],
            "relatert_personidentifikator": baby["personidentifikator"],
            "relatert_persons_rolle": "barn",
        }
        for parent in (mor, far)
    ]
    write_registry(folder, people, contacts, relations)
    with (folder / "personer.csv").open("a", encoding="utf-8") as file:
        file.write("too,few,columns\n")
    return folder


def _resolve(folder: Path, criterion: Criterion, *, stream: bool) -> Audience:
    campaign = make_campaign(criterion)
    registry = open_registry(folder, include=needed_exports(campaign), stream=stream)
    return resolve(campaign, registry, as_of=AS_OF, policy=ContactPolicy(None), fetch=None)


@pytest.mark.parametrize("duplicates", [False, True])
@pytest.mark.parametrize(
    "criterion",
    [
        Age(18, None),
        AllOf((Age(18, None), Child("months", 4, 4))),
        AnyOf((Language(("nn",)), Not(Age(30, None)))),
    ],
)
def test_streamed_and_materialized_reads_agree(
    tmp_path: Path, criterion: Criterion, duplicates: bool
) -> None:
    folder = _registry(tmp_path / "reg", duplicates=duplicates)
    streamed = _resolve(folder, criterion, stream=True)
    materialized = _resolve(folder, criterion, stream=False)
    assert streamed.funnel == materialized.funnel
    assert streamed.recipients == materialized.recipients
    assert streamed.skipped_rows == materialized.skipped_rows


def test_the_first_row_of_a_duplicate_wins_when_streaming(tmp_path: Path) -> None:
    folder = _registry(tmp_path / "reg", duplicates=True)
    audience = _resolve(folder, Age(18, None), stream=True)
    names = sorted(r.fornavn for r in audience.recipients)
    assert "Later" not in names
    emails = sorted(r.epostadresse for r in audience.recipients)
    assert "later@example.no" not in emails
    # The bad date, the broken line, and the second rows of far in both files.
    assert audience.skipped_rows == 4


def _clean_registry(folder: Path) -> Path:
    kari, ola = person("1980-05-17"), person("1985-03-01")
    return write_registry(folder, [kari, ola], [krr(kari), krr(ola)])


def _count(folder: Path, memo: Path) -> tuple[int, int, bool]:
    campaign = make_campaign(Age(18, None))
    registry = open_registry(folder, stream=True, checked_files=CheckedFiles(memo))
    trusted = registry.is_trusted(PERSONER)
    audience = resolve(campaign, registry, as_of=AS_OF, policy=ContactPolicy(None))
    return audience.funnel.recipients, audience.skipped_rows, trusted


def test_a_clean_file_is_remembered_and_not_checked_again(tmp_path: Path) -> None:
    folder, memo = _clean_registry(tmp_path / "reg"), tmp_path / "memo.json"
    assert _count(folder, memo) == (2, 0, False)
    assert _count(folder, memo) == (2, 0, True)
    assert stat.S_IMODE(memo.stat().st_mode) == 0o600
    text = memo.read_text(encoding="utf-8")
    for line in (folder / "personer.csv").read_text(encoding="utf-8").splitlines()[1:]:
        assert line.split(",")[0] not in text  # no identifiers: paths and counts only


def test_a_changed_file_is_checked_again(tmp_path: Path) -> None:
    folder, memo = _clean_registry(tmp_path / "reg"), tmp_path / "memo.json"
    assert _count(folder, memo) == (2, 0, False)
    with (folder / "personer.csv").open("a", encoding="utf-8") as file:
        bad = person("1990-01-01", foedselsdato="1990-02-30")
        file.write(",".join(str(bad.get(c, "")) for c in PERSONER.columns) + "\n")
    assert _count(folder, memo) == (2, 1, False)
    assert _count(folder, memo) == (2, 1, True)  # its bad row is known now


def _warm(folder: Path, memo: Path, criterion: Criterion) -> tuple[Audience, bool]:
    campaign = make_campaign(criterion)
    registry = open_registry(
        folder, include=needed_exports(campaign), stream=True, checked_files=CheckedFiles(memo)
    )
    trusted = registry.is_trusted(PERSONER) and registry.is_trusted(KRR)
    audience = resolve(campaign, registry, as_of=AS_OF, policy=ContactPolicy(None), fetch=None)
    return audience, trusted


@pytest.mark.parametrize("duplicates", [False, True])
@pytest.mark.parametrize(
    "criterion",
    [
        Age(18, None),
        AllOf((Age(18, None), Child("months", 4, 4))),
        AnyOf((Language(("nn",)), Not(Age(30, None)))),
    ],
)
def test_a_file_with_bad_rows_is_remembered_with_them(
    tmp_path: Path, criterion: Criterion, duplicates: bool
) -> None:
    """Read again, known bad rows are skipped by their hashes, unchecked: the same result."""
    folder, memo = _registry(tmp_path / "reg", duplicates=duplicates), tmp_path / "memo.json"
    first, trusted = _warm(folder, memo, criterion)
    assert not trusted
    again, trusted = _warm(folder, memo, criterion)
    assert trusted
    materialized = _resolve(folder, criterion, stream=False)
    for audience in (first, again):
        assert audience.funnel == materialized.funnel
        assert audience.recipients == materialized.recipients
        assert audience.skipped_rows == materialized.skipped_rows
    text = memo.read_text(encoding="utf-8")
    for line in (folder / "personer.csv").read_text(encoding="utf-8").splitlines()[1:]:
        assert line.split(",")[0] not in text  # hashes of the bad rows, no identifiers


def test_a_row_repeated_whole_is_never_trusted(tmp_path: Path) -> None:
    """The first of two equal rows is used and the second skipped: no hash tells which."""
    kari, ola = person("1980-05-17"), person("1985-03-01")
    folder, memo = (
        write_registry(tmp_path / "reg", [kari, ola, kari], [krr(kari), krr(ola)]),
        (tmp_path / "memo.json"),
    )
    assert _count(folder, memo) == (2, 1, False)
    assert _count(folder, memo) == (2, 1, False)


def test_registry_check_remembers_bad_rows_too(tmp_path: Path) -> None:
    folder, memo = _registry(tmp_path / "reg", duplicates=True), tmp_path / "memo.json"
    materialized = _resolve(folder, Age(18, None), stream=False)
    open_registry(folder, checked_files=CheckedFiles(memo))
    warm, trusted = _warm(folder, memo, Age(18, None))
    assert trusted
    assert warm.funnel == materialized.funnel
    assert warm.skipped_rows == materialized.skipped_rows == 4


def test_registry_check_teaches_the_memo(tmp_path: Path) -> None:
    folder, memo = _clean_registry(tmp_path / "reg"), tmp_path / "memo.json"
    open_registry(folder, checked_files=CheckedFiles(memo))
    assert _count(folder, memo) == (2, 0, True)


def test_a_trusted_file_replaced_after_opening_is_refused(tmp_path: Path) -> None:
    """The memo is checked when the file is opened; the file read must be that file."""
    folder, memo = _clean_registry(tmp_path / "reg"), tmp_path / "memo.json"
    assert _count(folder, memo) == (2, 0, False)
    registry = open_registry(folder, stream=True, checked_files=CheckedFiles(memo))
    assert registry.is_trusted(KRR)
    reserved = krr(person("1980-05-17"), reservasjon="JA")
    write_registry(tmp_path / "new", [person()], [reserved, reserved])  # a duplicate, unchecked
    (tmp_path / "new" / "krr.csv").replace(folder / "krr.csv")
    with pytest.raises(RegistryError) as raised:
        resolve(make_campaign(Age(18, None)), registry, as_of=AS_OF, policy=ContactPolicy(None))
    assert str(raised.value) == (
        "reg/krr.csv: the file changed while proaktive read it "
        "(run the command again when the new export is complete)"
    )
    # Read afresh, the new file is checked, not trusted: its duplicate is found.
    assert _count(folder, memo)[1] == 1


def _bad_row_sharing_a_key(folder: Path) -> Path:
    """Kari's first row has an impossible date; her second, the one used, is good."""
    kari, ola = person("1980-05-17"), person("1985-03-01")
    broken = dict(kari, foedselsdato="1980-02-30", fornavn="Broken")
    return write_registry(folder, [broken, kari, ola], [krr(kari), krr(ola)])


def _opened(folder: Path, memo: Path) -> tuple[bool, bool]:
    registry = open_registry(folder, stream=True, checked_files=CheckedFiles(memo))
    return registry.is_trusted(PERSONER), registry.skips_by_key(PERSONER)


def test_a_bad_row_with_the_key_of_a_good_one_is_skipped_by_its_whole_text(
    tmp_path: Path,
) -> None:
    folder, memo = _bad_row_sharing_a_key(tmp_path / "reg"), tmp_path / "memo.json"
    assert _opened(folder, memo) == (False, False)
    assert _count(folder, memo) == (2, 1, False)
    # Known bad by key first: skipping by key skips Kari's good row too, which the
    # count shows; the whole rows' hashes decide then, and from then on.
    assert _opened(folder, memo) == (True, True)
    assert _count(folder, memo) == (2, 1, True)
    assert _opened(folder, memo) == (True, False)
    warm, trusted = _warm(folder, memo, Age(18, None))
    assert trusted
    assert sorted(r.fornavn for r in warm.recipients) == ["Kari", "Kari"]
    assert warm.funnel == _resolve(folder, Age(18, None), stream=False).funnel


def test_registry_check_sees_a_bad_row_with_the_key_of_a_good_one(tmp_path: Path) -> None:
    folder, memo = _bad_row_sharing_a_key(tmp_path / "reg"), tmp_path / "memo.json"
    open_registry(folder, checked_files=CheckedFiles(memo))
    assert _opened(folder, memo) == (True, False)
    assert _count(folder, memo) == (2, 1, True)


def test_bad_rows_are_skipped_by_key_when_no_good_row_shares_it(tmp_path: Path) -> None:
    folder, memo = _registry(tmp_path / "reg", duplicates=False), tmp_path / "memo.json"
    first, _ = _warm(folder, memo, Age(18, None))
    assert _opened(folder, memo) == (True, True)
    again, _ = _warm(folder, memo, Age(18, None))
    assert again.funnel == first.funnel
    assert _opened(folder, memo) == (True, True)


def _edit_memo(memo: Path, change: Callable[[dict[str, object]], None]) -> None:
    stored = json.loads(memo.read_text(encoding="utf-8"))
    for entry in stored["files"].values():
        change(entry)
    memo.write_text(json.dumps(stored), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        lambda entry: entry.update(bad=0),  # bad rows listed, yet none counted
        lambda entry: entry.update(bad_rows=[], bad_keys=None),  # bad rows, no hashes
        lambda entry: entry.update(bad=True),  # not a count
        lambda entry: entry.update(skipped=-3),
        lambda entry: entry.update(bad_rows=[[-1, 1, 1]]),  # not a 64-bit hash
        lambda entry: entry.update(bad_rows=[[1, 2**64, 1]]),
        lambda entry: entry.update(bad_rows=[[1, 1, 2**20]]),  # not a 20-bit bucket
        lambda entry: entry.update(bad_rows=[[1, 1]]),
        lambda entry: entry.update(bad_rows=[1, 1, 1]),
        lambda entry: entry.update(bad_rows=[[1, None, 1]]),  # no key to tell them by
        lambda entry: entry.update(by_key="yes"),
        # Hashes of no row, or in the wrong bucket: the count of skipped rows shows it.
        lambda entry: entry.update(bad_rows=[[1, 2, 3]]),
        lambda entry: entry.update(
            bad_rows=[[r, k, (b + 1) % 2**20] for r, k, b in entry["bad_rows"]]
        ),
        lambda entry: entry.update(
            bad_rows=[[1, k, b] for _, k, b in entry["bad_rows"]], by_key=False
        ),
        lambda entry: entry.update(rows="many"),
    ],
)
def test_a_wrong_memo_entry_only_costs_a_check(
    tmp_path: Path, change: Callable[[dict[str, object]], None]
) -> None:
    folder, memo = _registry(tmp_path / "reg", duplicates=False), tmp_path / "memo.json"
    full = _resolve(folder, Age(18, None), stream=False)
    _warm(folder, memo, Age(18, None))
    _edit_memo(memo, change)
    for _ in range(2):  # the wrong entry is found out, and then replaced
        audience, _ = _warm(folder, memo, Age(18, None))
        assert audience.funnel == full.funnel
        assert audience.skipped_rows == full.skipped_rows
    assert _opened(folder, memo)[0]


def test_the_memo_cannot_be_checked_against_guessed_identifiers(tmp_path: Path) -> None:
    """Identifiers are few enough to try them all: their hashes are keyed with the file."""
    kari, ola = person("1980-05-17"), person("1985-03-01")
    broken = person("1971-01-01", foedselsdato="1971-02-30")
    hashes = []
    for name, others in (("a", [kari]), ("b", [ola])):
        folder = write_registry(tmp_path / name, [*others, broken], [])
        memo = tmp_path / f"{name}.json"
        _count(folder, memo)
        entry = next(
            e
            for path, e in json.loads(memo.read_text(encoding="utf-8"))["files"].items()
            if path.endswith("personer.csv")
        )
        hashes.append(entry["bad_rows"])
    # The same bad row, in two files that differ elsewhere: nothing in common.
    [[row_a, key_a, bucket_a]], [[row_b, key_b, bucket_b]] = hashes
    assert row_a != row_b
    assert key_a != key_b
    assert bucket_a != bucket_b  # by chance one time in a million
    identifier = str(broken["personidentifikator"])
    unkeyed = duckdb.execute(
        "SELECT hash($1), md5_number_lower($1), hash($1) >> 44", [identifier]
    ).fetchone()
    assert unkeyed is not None
    assert not set(unkeyed) & {key_a, bucket_a}


def test_two_registries_on_one_connection_keep_their_own_bad_rows(tmp_path: Path) -> None:
    connection = duckdb.connect()
    audiences = []
    for name in ("a", "b"):
        kari = person("1980-05-17", fornavn=f"Kari-{name}")
        bad = person("1971-01-01", foedselsdato="1971-02-30", fornavn=f"Bad-{name}")
        folder = write_registry(tmp_path / name, [kari, bad], [krr(kari), krr(bad)])
        memo = tmp_path / f"{name}.json"
        _count(folder, memo)
        registry = open_registry(
            folder, stream=True, checked_files=CheckedFiles(memo), connection=connection
        )
        audiences.append(registry)
    for registry, name in zip(audiences, ("a", "b"), strict=True):
        audience = resolve(
            make_campaign(Age(18, None)),
            registry,
            as_of=AS_OF,
            policy=ContactPolicy(None),
            fetch=None,
        )
        assert [r.fornavn for r in audience.recipients] == [f"Kari-{name}"]
        assert audience.skipped_rows == 1


@pytest.mark.parametrize("key_shared", [False, True])
def test_known_bad_rows_of_every_file_are_skipped_when_warm(
    tmp_path: Path, key_shared: bool
) -> None:
    """KRR and relations are read without counts of their own: their bad rows are too."""
    mor, far, baby = person("1990-03-03"), person("1988-01-01"), person("2026-07-30")
    contacts = [krr(mor), krr(far, reservasjon="KANSKJE")]  # far's KRR row is bad
    if key_shared:
        contacts.append(krr(far))  # and his good one shares its key
    relations = [
        {
            "personidentifikator": parent["personidentifikator"],
            "relatert_personidentifikator": baby["personidentifikator"],
            "relatert_persons_rolle": role,
        }
        for parent, role in ((mor, "barn"), (far, "barn"), (far, "onkel"))  # onkel: bad
    ]
    folder = write_registry(tmp_path / "reg", [mor, far, baby], contacts, relations)
    memo = tmp_path / "memo.json"
    criterion = AllOf((Age(18, None), Child("months", 4, 4)))
    full = _resolve(folder, criterion, stream=False)
    assert full.skipped_rows == 2
    for _ in range(3):
        audience, _ = _warm(folder, memo, criterion)
        assert audience.funnel == full.funnel
        assert audience.recipients == full.recipients
        assert audience.skipped_rows == full.skipped_rows
    assert _warm(folder, memo, criterion)[1]


@pytest.mark.parametrize("odd_name", ["\x1e", "a\x1fb", "3:abc"])
def test_a_good_row_is_never_the_same_text_as_a_bad_one(tmp_path: Path, odd_name: str) -> None:
    """Values that look like separators or lengths cannot make two rows the same text."""
    parent, kid = person("1990-03-03"), person("2026-07-30")
    good = person("1988-01-01", etternavn=odd_name)
    bad = dict(good, etternavn="")  # the same identifier; empty: a data error
    relation = {
        "personidentifikator": parent["personidentifikator"],
        "relatert_personidentifikator": kid["personidentifikator"],
        "relatert_persons_rolle": "barn",
    }
    folder = write_registry(tmp_path / "reg", [parent, kid, good, bad], [krr(parent)], [relation])
    memo = tmp_path / "memo.json"
    criterion = AllOf((Age(18, None), Child("months", 4, 4)))  # reads personer.csv twice
    full = _resolve(folder, criterion, stream=False)
    assert full.skipped_rows == 1
    for _ in range(3):
        audience, _ = _warm(folder, memo, criterion)
        assert audience.funnel == full.funnel
        assert audience.skipped_rows == 1
    assert _opened(folder, memo)[0]


def test_buckets_keep_no_relation_that_the_identifiers_alone_give(tmp_path: Path) -> None:
    """Two buckets must not tell, without the export, whether two guessed people are both in."""
    bad = [person(f"19{70 + n}-01-01", foedselsdato="1970-02-30") for n in range(2)]
    folder = write_registry(tmp_path / "reg", [person("1980-05-17"), *bad], [])
    memo = tmp_path / "memo.json"
    _count(folder, memo)
    entry = next(
        e
        for path, e in json.loads(memo.read_text(encoding="utf-8"))["files"].items()
        if path.endswith("personer.csv")
    )
    (_, _, bucket_a), (_, _, bucket_b) = sorted(entry["bad_rows"])
    unkeyed = duckdb.execute(
        "SELECT xor(hash($1) >> 44, hash($2) >> 44)",
        [bad[0]["personidentifikator"], bad[1]["personidentifikator"]],
    ).fetchone()
    assert unkeyed is not None
    assert bucket_a ^ bucket_b != unkeyed[0]  # by chance one time in a million
