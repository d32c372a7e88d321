"""Benchmark: the snapshot build and `audience count` against plain DuckDB over the CSV files.

    .venv/bin/python tests/benchmarks/bench_audience.py [REGISTRY] [--repeat 5]

REGISTRY defaults to /tmp/reg700k; when it does not exist, a 700,000-person
registry is generated there first (seed 1, as of 2026-11-30). Not run by CI:
timings are measured here, never asserted in tests. Side by side, in one run,
medians of `--repeat` runs:

- *build*: checking a new export into the snapshot, in a process of its own,
  against a bare DuckDB load of the same four CSV files into a database file (all
  columns as text, no checks), also in a process of its own (limit 2.0x);
- *count*: `proaktive audience count --json` as a whole process (start-up, settings,
  campaign, snapshot check, query, output) with a current snapshot, against the
  hand-written DuckDB query over the CSV files that an analyst would write, run in
  this process (limit 0.6x). The Frogner polygon's reference is the hand-written
  district + age query for Frogner: plain DuckDB has no point-in-polygon;
- *peak memory* (RSS) of the build and of each count (limit 1.5 GiB).

It also times a process that only imports proaktive's chosen stack (DuckDB, Typer,
pydantic, Rich, PyYAML): no command can start faster than that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from proaktive.audience.dates import birth_date_range

AS_OF = dt.date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[2]
DISTRICTS_FILE = REPO / "proaktive" / "registry" / "data" / "oslo-bydeler.geojson"
GIB = 1 << 30


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes (os.wait4 on the child) and stdout of one process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        errors.seek(0)
        err = errors.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {err.decode()}")
    return seconds, usage.ru_maxrss * 1024, out.decode()


def median_of(measure: Callable[[], tuple[float, int, str]], repeat: int) -> tuple[float, int, str]:
    """Median seconds, the largest peak RSS, and the last output."""
    times, peaks, out = [], [], ""
    for _ in range(repeat):
        seconds, peak, out = measure()
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks), out


def hand_written(sql: str) -> Callable[[], int]:
    def run() -> int:
        con = duckdb.connect()
        (count,) = con.execute(sql).fetchone() or (0,)
        con.close()
        return int(count)

    return run


def csv(folder: Path, name: str) -> str:
    delimiter = ";" if name == "adresser.csv" else ","
    return f"read_csv('{folder / name}', delim='{delimiter}', header=true)"


def reference_sql(folder: Path, where: str, extra_from: str = "") -> str:
    """The query an analyst would write: join persons and KRR, filter, count the reachable."""
    return f"""
    SELECT count(*) FROM {csv(folder, "personer.csv")} p
    LEFT JOIN {csv(folder, "krr.csv")} k ON k.personidentifikator = p.personidentifikator
    {extra_from}
    WHERE p.status = 'bosatt' AND {where}
      AND k.status = 'AKTIV' AND k.reservasjon = 'NEI' AND k.epostadresse IS NOT NULL"""


def born_between(unit: str, low: int | None, high: int | None, column: str) -> str:
    first, last = birth_date_range(AS_OF, unit, low, high)
    parts = []
    if first:
        parts.append(f"{column} >= DATE '{first}'")
    if last:
        parts.append(f"{column} <= DATE '{last}'")
    return " AND ".join(parts)


BUILD = """
import sys
from pathlib import Path
from proaktive.registry.snapshot import open_registry
open_registry(Path(sys.argv[1]), Path(sys.argv[2])).close()
"""

IMPORTS_ONLY = "import duckdb, typer, typer.main, pydantic, rich.console, yaml"

BARE_LOAD = """
import sys
import duckdb
con = duckdb.connect(sys.argv[2])
for name, delim in (("personer", ","), ("familierelasjoner", ","), ("krr", ","), ("adresser", ";")):
    con.execute(
        f"CREATE TABLE {name} AS SELECT * FROM read_csv('{sys.argv[1]}/{name}.csv', "
        f"delim='{delim}', header=true, all_varchar=true)"
    )
con.close()
"""


def fresh(path: Path) -> Path:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return path


def write_project(workdir: Path, folder: Path, frogner: Path) -> dict[str, Path]:
    """A settings file, a template and one campaign file per case."""
    (workdir / "proaktive.yaml").write_text(
        f"registry: {folder}\nsnapshot: snapshot.duckdb\n", encoding="utf-8"
    )
    (workdir / "templates" / "bench").mkdir(parents=True)
    (workdir / "templates" / "bench" / "nb.md.j2").write_text(
        "---\nsubject: Test\n---\nHei {{ person.fornavn }}\n", encoding="utf-8"
    )
    audiences = {
        "district + age": "all: [{district: Frogner}, {age: {min: 18, max: 66}}]",
        "child 4 months": "all: [{age: {min: 18}}, {child: {age_months: {min: 4, max: 4}}}]",
        "moved in 30 days": (
            "all: [{age: {min: 18}}, {moved_in: {within_days: 30, from: another_municipality}}]"
        ),
        "Frogner polygon": f"all: [{{area: {frogner}}}, {{age: {{min: 18, max: 66}}}}]",
    }
    campaigns = {}
    (workdir / "campaigns").mkdir()
    for number, (name, audience) in enumerate(audiences.items()):
        path = workdir / "campaigns" / f"bench-{number}.yaml"
        path.write_text(
            f"id: bench-{number}\ntitle: Benchmark\ntemplate: bench\naudience:\n  {audience}\n",
            encoding="utf-8",
        )
        campaigns[name] = path
    return campaigns


def references(folder: Path) -> dict[str, str]:
    adults = born_between("years", 18, 66, "CAST(p.foedselsdato AS DATE)")
    grown = born_between("years", 18, None, "CAST(p.foedselsdato AS DATE)")
    district_and_age = reference_sql(folder, f"p.bydelsnummer = 30105 AND {adults}")
    return {
        "district + age": district_and_age,
        "child 4 months": reference_sql(
            folder,
            grown
            + f""" AND p.personidentifikator IN (
                SELECT r.personidentifikator FROM {csv(folder, "familierelasjoner.csv")} r
                JOIN {csv(folder, "personer.csv")} kid
                    ON kid.personidentifikator = r.relatert_personidentifikator
                WHERE r.relatert_persons_rolle = 'barn' AND kid.status = 'bosatt'
                    AND {born_between("months", 4, 4, "CAST(kid.foedselsdato AS DATE)")})""",
        ),
        "moved in 30 days": reference_sql(
            folder,
            grown + f" AND CAST(p.flyttedato AS DATE) BETWEEN DATE '{AS_OF - dt.timedelta(30)}'"
            f" AND DATE '{AS_OF}' AND (p.forrige_kommunenummer IS NULL"
            " OR p.forrige_kommunenummer <> p.kommunenummer)",
        ),
        "Frogner polygon": district_and_age,
    }


def frogner_area(workdir: Path) -> Path:
    districts = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    frogner = next(f for f in districts["features"] if f["properties"]["name"] == "Frogner")
    path = workdir / "frogner.geojson"
    path.write_text(json.dumps(frogner), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", nargs="?", type=Path, default=Path("/tmp/reg700k"))
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    folder: Path = arguments.registry.resolve()
    repeat: int = arguments.repeat
    if not (folder / "personer.csv").exists():
        from proaktive.synthetic.generate import generate_registry

        print(f"generating 700,000 people into {folder} …", flush=True)
        generate_registry(folder, people=700_000, seed=1, as_of=AS_OF)
    proaktive = str(Path(sys.executable).with_name("proaktive"))
    print(f"registry {folder}, as of {AS_OF}, medians of {repeat} runs\n")
    verdicts = []
    floors: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        snapshot = workdir / "snapshot.duckdb"
        bare = workdir / "bare.duckdb"
        build, build_peak, _ = median_of(
            lambda: run_measured([sys.executable, "-c", BUILD, str(folder), str(fresh(snapshot))]),
            repeat,
        )
        load, load_peak, _ = median_of(
            lambda: run_measured([sys.executable, "-c", BARE_LOAD, str(folder), str(fresh(bare))]),
            repeat,
        )
        print(f"{'build':40} {'ours':>8} {'reference':>9} {'ratio':>6}  peak RSS")
        print(
            f"{'snapshot build vs bare text load':40} {build:7.3f}s {load:8.3f}s "
            f"{build / load:6.2f}  {build_peak / GIB:.2f} GiB (bare load {load_peak / GIB:.2f})"
        )
        verdicts.append(("build", build / load, 2.0, build_peak))

        campaigns = write_project(workdir, folder, frogner_area(workdir))
        sqls = references(folder)
        floor, _, _ = median_of(lambda: run_measured([sys.executable, "-c", IMPORTS_ONLY]), repeat)
        print(f"\n{'audience count --json (whole process)':40} {'ours':>8} {'reference':>9}")
        print(
            f"{'(a process that only imports the stack)':40} {floor:7.3f}s "
            "  (Python, DuckDB, Typer, pydantic, Rich, PyYAML: what no command can go below)"
        )
        for name, campaign in campaigns.items():
            command = [
                proaktive,
                "audience",
                "count",
                "--json",
                str(campaign),
                "--as-of",
                str(AS_OF),
            ]
            run_measured(command, cwd=workdir)  # the snapshot is current from here on
            count, count_peak, out = median_of(
                lambda command=command: run_measured(command, cwd=workdir), repeat
            )
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                reachable = hand_written(sqls[name])()
                times.append(time.perf_counter() - started)
            reference = statistics.median(times)
            recipients = json.loads(out)["recipients"]
            print(
                f"{name:40} {count:7.3f}s {reference:8.3f}s {count / reference:6.2f}  "
                f"{count_peak / GIB:.2f} GiB  ({recipients:,} recipients; "
                f"the reference counts {reachable:,} reachable)"
            )
            verdicts.append((name, count / reference, 0.6, count_peak))
            floors.append((name, floor / reference))
    print("\nthe start-up floor against each reference:")
    for name, ratio in floors:
        print(f"  {name}: importing the stack alone takes {ratio:.2f}x the reference query")
    print("\nagainst the limits:")
    for name, ratio, limit, peak in verdicts:
        within = "within" if ratio <= limit else "OVER"
        memory = "within" if peak <= 1.5 * GIB else "OVER"
        print(
            f"  {name}: {ratio:.2f}x, {within} the limit of {limit}x; "
            f"peak RSS {peak / GIB:.2f} GiB, {memory} 1.5 GiB"
        )


if __name__ == "__main__":
    main()
