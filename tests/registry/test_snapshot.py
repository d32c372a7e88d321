"""The snapshot: built once, always current, built safely, private, and dropped on request."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from builders import AS_OF, krr, open_small, person, snapshot_of, write_registry

from proaktive.cli.main import run
from proaktive.errors import RegistryError
from proaktive.registry.snapshot import open_registry
from proaktive.synthetic.generate import generate_registry


def _reachable(folder: Path) -> list[str]:
    """Identifiers whose KRR row is not reserved, read from the snapshot."""
    registry = open_small(folder)
    try:
        rows = registry.connection.execute(
            "SELECT personidentifikator FROM krr WHERE NOT reservert ORDER BY ALL"
        ).fetchall()
    finally:
        registry.close()
    return [identifier for (identifier,) in rows]


def test_a_krr_row_edited_in_place_with_its_old_time_restored_is_seen(tmp_path: Path) -> None:
    kari, ola = person("1980-01-01"), person("1981-01-01")
    folder = write_registry(tmp_path / "r", [kari, ola], [krr(kari), krr(ola)])
    assert _reachable(folder) == sorted([kari["personidentifikator"], ola["personidentifikator"]])
    path = folder / "krr.csv"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    identifier = kari["personidentifikator"]
    # Reserved now, and one letter longer in the address: the same size.
    edited = text.replace(
        f"{identifier},NEI,AKTIV,KAN_VARSLES,{identifier}@example.no",
        f"{identifier},JA,AKTIV,KAN_VARSLES,{identifier}@examples.no",
    )
    assert edited != text and len(edited) == len(text)
    with path.open("r+", encoding="utf-8") as file:  # the same inode, the same size
        file.write(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _reachable(folder) == [ola["personidentifikator"]]


def test_the_snapshot_is_private_and_beside_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person()
    write_registry(tmp_path / "registry", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text("registry: registry/\n", encoding="utf-8")
    assert run(["registry", "check"]) == 0
    snapshot = tmp_path / ".proaktive" / "registry.duckdb"
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert stat.S_IMODE(snapshot.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in snapshot.parent.iterdir()) == [
        "registry.duckdb",
        "registry.duckdb.lock",
    ]
    assert stat.S_IMODE((snapshot.parent / "registry.duckdb.lock").stat().st_mode) == 0o600
    con = duckdb.connect(str(snapshot), read_only=True)
    assert con.execute("SELECT personidentifikator FROM personer").fetchall() == [
        (kari["personidentifikator"],)
    ]
    assert "No data errors." in capsys.readouterr().out


def test_the_settings_name_where_the_snapshot_is(tmp_path: Path) -> None:
    kari = person()
    write_registry(tmp_path / "registry", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text(
        "registry: registry/\nsnapshot: private/snap.duckdb\n", encoding="utf-8"
    )
    assert run(["registry", "check"]) == 0
    assert (tmp_path / "private" / "snap.duckdb").is_file()
    assert not (tmp_path / ".proaktive").exists()


def test_drop_deletes_the_snapshot_and_the_next_command_builds_it_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person()
    write_registry(tmp_path / "registry", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text("registry: registry/\n", encoding="utf-8")
    snapshot = tmp_path / ".proaktive" / "registry.duckdb"
    assert run(["registry", "check"]) == 0
    assert snapshot.is_file()
    capsys.readouterr()
    assert run(["registry", "snapshot", "--drop"]) == 0
    assert not snapshot.exists()
    assert capsys.readouterr().out.split() == ["Deleted", "the", "snapshot", f"{snapshot}."]
    assert run(["registry", "snapshot", "--drop"]) == 0
    assert capsys.readouterr().out.split() == [
        "There",
        "is",
        "no",
        "snapshot",
        "at",
        f"{snapshot}.",
    ]
    assert run(["registry", "check"]) == 0
    assert snapshot.is_file()


def test_another_registry_folder_rebuilds_the_snapshot(tmp_path: Path) -> None:
    kari, ola = person("1980-01-01"), person("1981-01-01")
    first = write_registry(tmp_path / "first", [kari], [krr(kari)])
    second = write_registry(tmp_path / "second", [ola], [krr(ola)])
    snapshot = tmp_path / "shared.duckdb"
    for folder, expected in ((first, kari), (second, ola), (first, kari)):
        registry = open_registry(folder, snapshot, threads=1)
        assert registry.connection.execute(
            "SELECT personidentifikator FROM personer"
        ).fetchall() == [(expected["personidentifikator"],)]
        registry.close()


def test_a_file_that_changes_during_the_build_stops_it(tmp_path: Path) -> None:
    kari = person()
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])

    def append_to_krr(message: str) -> None:
        if message.startswith("Checking krr.csv"):  # the file has been opened: change it now
            with (folder / "krr.csv").open("a", encoding="utf-8") as file:
                file.write(",".join([str(kari["personidentifikator"]), "JA"]) + "\n")

    with pytest.raises(RegistryError) as raised:
        open_registry(folder, snapshot_of(folder), progress=append_to_krr, threads=1)
    assert str(raised.value) == (
        "r/krr.csv: the file changed while proaktive read it "
        "(run the command again when the new export is complete)"
    )
    assert not snapshot_of(folder).exists()
    assert list(tmp_path.glob(".*.building*")) == []


BUILD_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from proaktive.registry.snapshot import open_registry

    def say(message):
        print(message, flush=True)

    registry = open_registry(Path(sys.argv[1]), Path(sys.argv[2]), progress=say)
    (count,) = registry.connection.execute("SELECT count(*) FROM personer").fetchone()
    print(f"people {count}", flush=True)
    """
)


def _build_in_a_process(folder: Path, snapshot: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", BUILD_SCRIPT, str(folder), str(snapshot)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def larger_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big enough that a build takes a noticeable moment."""
    folder = tmp_path_factory.mktemp("larger") / "registry"
    generate_registry(folder, people=30_000, seed=3, as_of=AS_OF)
    return folder


def test_two_builds_at_once_end_with_one_good_snapshot(
    larger_registry: Path, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snap" / "registry.duckdb"
    first = _build_in_a_process(larger_registry, snapshot)
    second = _build_in_a_process(larger_registry, snapshot)
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    (people,) = {
        line for out, _ in outputs for line in out.splitlines() if line.startswith("people")
    }
    builds = [out.count("Checking personer.csv") for out, _ in outputs]
    assert sorted(builds) == [0, 1]  # the second waited for the first, and built nothing
    assert sorted(p.name for p in snapshot.parent.iterdir()) == [
        "registry.duckdb",
        "registry.duckdb.lock",
    ]
    registry = open_registry(larger_registry, snapshot)
    assert (
        f"people {registry.connection.execute('SELECT count(*) FROM personer').fetchone()[0]}"
        == people
    )  # type: ignore[index]


def test_a_build_killed_half_way_leaves_the_previous_snapshot_working(
    larger_registry: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    folder.mkdir()
    for path in larger_registry.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    snapshot = tmp_path / "snap" / "registry.duckdb"
    open_registry(folder, snapshot).close()
    before = snapshot.read_bytes()
    (folder / "krr.csv").touch()  # a new export: the next command rebuilds

    process = _build_in_a_process(folder, snapshot)
    deadline = time.monotonic() + 60
    while not list(snapshot.parent.glob(".registry.duckdb.*.building")):
        assert time.monotonic() < deadline and process.poll() is None, "the build never began"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert snapshot.read_bytes() == before  # the old snapshot is untouched
    con = duckdb.connect(str(snapshot), read_only=True)  # and a working database
    assert con.execute("SELECT count(*) FROM personer").fetchone() == (30_000 - _skipped(con),)
    con.close()
    registry = open_registry(folder, snapshot)  # the next command rebuilds, and cleans up
    assert registry.files["krr.csv"].present
    assert sorted(p.name for p in snapshot.parent.iterdir()) == [
        "registry.duckdb",
        "registry.duckdb.lock",
    ]


def _skipped(con: duckdb.DuckDBPyConnection) -> int:
    (count,) = con.execute(
        "SELECT count(*) FROM rejected WHERE file = 'personer.csv'"
    ).fetchone() or (0,)
    return int(count)


def test_campaign_commands_warn_about_old_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person("1980-01-01")
    folder = write_registry(tmp_path / "registry", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text(
        "registry: registry/\nmax_export_age_days: {krr: 1, personer: 20}\n", encoding="utf-8"
    )
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "c.yaml").write_text(
        "id: c\ntitle: C\ntemplate: c\naudience: {age: {min: 18}}\n", encoding="utf-8"
    )
    (tmp_path / "templates" / "c").mkdir(parents=True)
    (tmp_path / "templates" / "c" / "nb.md.j2").write_text("---\nsubject: x\n---\nx\n")
    three_days_ago = time.time() - 3 * 86400
    os.utime(folder / "krr.csv", (three_days_ago, three_days_ago))
    os.utime(folder / "personer.csv", (three_days_ago, three_days_ago))
    assert run(["audience", "count", "campaigns/c.yaml", "--as-of", "2026-11-30"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "warning: registry/krr.csv is 3 days old" in err
    assert "the limit is 1): it may miss deaths, moves and new reservations" in err
    assert "personer.csv is" not in err  # 3 days is within its limit of 20


def test_the_memo_of_earlier_versions_is_deleted(tmp_path: Path) -> None:
    """The checked-exports memo held hashes of bad rows; the snapshot replaces it."""
    kari = person()
    write_registry(tmp_path / "registry", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text("registry: registry/\n", encoding="utf-8")
    memo = tmp_path / "cache" / "proaktive" / "checked-exports.json"  # XDG_CACHE_HOME: conftest
    memo.parent.mkdir(parents=True)
    memo.write_text("{}", encoding="utf-8")
    assert run(["registry", "check"]) == 0
    assert not memo.exists()


def test_a_snapshot_folder_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    kari = person()
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        open_registry(folder, blocked / "registry.duckdb")
    assert str(raised.value) == (
        "blocked/registry.duckdb: cannot write the snapshot of the registry here (File exists) "
        "(check the settings' 'snapshot' path and that you may write in its folder)"
    )
