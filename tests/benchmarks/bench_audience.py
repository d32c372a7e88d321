"""Benchmark: `audience count` against one hand-written DuckDB query over the same CSV files.

    .venv/bin/python tests/benchmarks/bench_audience.py [REGISTRY] [--repeat 5]

REGISTRY defaults to /tmp/reg700k; when it does not exist, a 700,000-person
registry is generated there first (seed 1, as of 2026-11-30). Each case runs
proaktive's whole path (read and validate the exports, match, funnel: what
`audience count` does after start-up) and a hand-written query that does the
same join and filter and nothing else, alternately, in fresh DuckDB
connections, and prints the medians and their ratio. Not run by CI: timings are
measured here, never asserted in tests.

Two figures for proaktive: *cold*, the first read of a new export, which checks
every rule on every row (it costs about three times the reference's CPU, and
is paid once per export, by `registry check` or the first campaign command);
and *warm*, every later read of the unchanged files, which the limits are
about. A copy of the registry with one bad row in 1,000 shows that files with
data errors are warm too (their bad rows are known by hash).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from proaktive.registry.memo import CheckedFiles

from proaktive.audience.dates import birth_date_range
from proaktive.audience.resolve import ContactPolicy, needed_exports, resolve
from proaktive.campaign.model import (
    Age,
    AllOf,
    Area,
    Campaign,
    Child,
    ContactRules,
    Criterion,
    District,
    MovedIn,
    Sender,
)
from proaktive.registry.snapshot import open_registry

AS_OF = dt.date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[2]
DISTRICTS_FILE = REPO / "proaktive" / "registry" / "data" / "oslo-bydeler.geojson"


def campaign(criterion: Criterion) -> Campaign:
    return Campaign(
        source=Path("bench.yaml"),
        id="bench",
        title="Benchmark",
        owner=None,
        category="information",
        template="bench",
        template_folder=Path("templates/bench"),
        default_language="nb",
        sender=Sender("Oslo kommune <ikke-svar@oslo.kommune.no>", None),
        audience=criterion,
        contact=ContactRules(False, False, False),
        repeat_after_days=None,
        frequency_cap=True,
    )


def ours(folder: Path, criterion: Criterion, memo: Path | None) -> Callable[[], int]:
    """proaktive's path; with `memo`, files checked before skip the row checks."""

    def run() -> int:
        chosen = campaign(criterion)
        registry = open_registry(
            folder, include=needed_exports(chosen), stream=True, checked_files=CheckedFiles(memo)
        )
        audience = resolve(chosen, registry, as_of=AS_OF, policy=ContactPolicy(None))
        registry.connection.close()
        return audience.funnel.recipients

    return run


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


def trench_and_district_areas(folder: Path, workdir: Path) -> tuple[Path, Path]:
    """A 1 km trench along the street with the most addresses, and Frogner's boundary."""
    from pyproj import Transformer

    con = duckdb.connect()
    rows = con.execute(
        f"""SELECT adressenavn, "EPSG-kode", "Nord", "Øst" FROM {csv(folder, "adresser.csv")}
        WHERE "EPSG-kode" = 25833 AND adressenavn = (
            SELECT adressenavn FROM {csv(folder, "adresser.csv")}
            GROUP BY ALL ORDER BY count(*) DESC LIMIT 1)"""
    ).fetchall()
    points = sorted((float(east), float(north)) for _, _, north, east in rows)
    start = points[0]
    # Walk 1 km along the street's own direction from its first address.
    end = points[-1]
    length = ((end[0] - start[0]) ** 2 + (end[1] - start[1]) ** 2) ** 0.5
    scale = min(1.0, 1000.0 / length) if length else 1.0
    end = (start[0] + (end[0] - start[0]) * scale, start[1] + (end[1] - start[1]) * scale)
    to_lonlat = Transformer.from_crs(25833, 4326, always_xy=True)
    line = [list(to_lonlat.transform(*point)) for point in (start, end)]
    trench = workdir / "trench.geojson"
    trench.write_text(json.dumps({"type": "LineString", "coordinates": line}), encoding="utf-8")
    districts = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    frogner = next(f for f in districts["features"] if f["properties"]["name"] == "Frogner")
    polygon = workdir / "frogner.geojson"
    polygon.write_text(json.dumps(frogner), encoding="utf-8")
    return trench, polygon


def with_bad_rows(folder: Path, workdir: Path, every: int = 1000) -> Path:
    """A copy of the registry in which every `every`-th person and KRR row breaks a rule."""
    dirty = workdir / "dirty"
    dirty.mkdir()
    for name, column, bad in (
        ("personer.csv", "foedselsdato", "1990-02-30"),
        ("krr.csv", "status", "UKJENT"),
    ):
        with (folder / name).open(encoding="utf-8") as source:
            header = source.readline()
            index = header.rstrip("\n").split(",").index(column)
            with (dirty / name).open("w", encoding="utf-8") as target:
                target.write(header)
                for number, line in enumerate(source, start=1):
                    if number % every == 0:
                        fields = line.rstrip("\n").split(",")
                        fields[index] = bad
                        line = ",".join(fields) + "\n"
                    target.write(line)
    return dirty


def median_seconds(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", nargs="?", type=Path, default=Path("/tmp/reg700k"))
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    folder: Path = arguments.registry
    if not (folder / "personer.csv").exists():
        from proaktive.synthetic.generate import generate_registry

        print(f"generating 700,000 people into {folder} …", flush=True)
        generate_registry(folder, people=700_000, seed=1, as_of=AS_OF)

    adults = born_between("years", 18, 66, "CAST(p.foedselsdato AS DATE)")
    cases: list[tuple[str, Criterion, str | None, float]] = [
        (
            "district + age",
            AllOf((District(("030105",)), Age(18, 66))),
            reference_sql(folder, f"p.bydelsnummer = 30105 AND {adults}"),
            1.5,
        ),
        (
            "child 4 months",
            AllOf((Age(18, None), Child("months", 4, 4))),
            reference_sql(
                folder,
                born_between("years", 18, None, "CAST(p.foedselsdato AS DATE)")
                + f""" AND p.personidentifikator IN (
                    SELECT r.personidentifikator FROM {csv(folder, "familierelasjoner.csv")} r
                    JOIN {csv(folder, "personer.csv")} kid
                        ON kid.personidentifikator = r.relatert_personidentifikator
                    WHERE r.relatert_persons_rolle = 'barn' AND kid.status = 'bosatt'
                        AND {born_between("months", 4, 4, "CAST(kid.foedselsdato AS DATE)")})""",
            ),
            2.0,
        ),
        (
            "moved in 30 days, another municipality",
            AllOf((Age(18, None), MovedIn(30, "another_municipality"))),
            reference_sql(
                folder,
                born_between("years", 18, None, "CAST(p.foedselsdato AS DATE)")
                + f" AND CAST(p.flyttedato AS DATE) BETWEEN DATE '{AS_OF - dt.timedelta(30)}'"
                f" AND DATE '{AS_OF}' AND (p.forrige_kommunenummer IS NULL"
                " OR p.forrige_kommunenummer <> p.kommunenummer)",
            ),
            2.0,
        ),
    ]
    print(f"registry {folder}, as of {AS_OF}, median of {arguments.repeat} runs")
    print("cold: every row checked (the first read of a new export);")
    print("warm: files checked before and unchanged since are not checked again\n")
    print(f"{'case':40} {'cold':>8} {'warm':>8} {'reference':>9} {'cold/ref':>8} {'warm/ref':>8}")
    with tempfile.TemporaryDirectory() as workdir:
        memo = Path(workdir) / "memo.json"
        ours(folder, AllOf((Age(0, None),)), memo)()  # learns what the files hold
        baseline = {"cold": 0.0, "warm": 0.0}
        ratios: list[tuple[str, float, float, float]] = []  # case, cold, warm, limit
        for name, criterion, sql, limit in cases:
            cold, recipients = median_seconds(ours(folder, criterion, None), arguments.repeat)
            warm, _ = median_seconds(ours(folder, criterion, memo), arguments.repeat)
            assert sql is not None
            reference, reachable = median_seconds(hand_written(sql), arguments.repeat)
            if name == "district + age":
                baseline = {"cold": cold, "warm": warm}
            ratios.append((name, cold / reference, warm / reference, limit))
            print(
                f"{name:40} {cold:7.3f}s {warm:7.3f}s {reference:8.3f}s "
                f"{cold / reference:8.2f} {warm / reference:8.2f}  (limit {limit}; "
                f"{recipients:,} recipients, the reference counts {reachable:,} reachable)"
            )
        dirty = with_bad_rows(folder, Path(workdir))
        dirty_memo = Path(workdir) / "dirty-memo.json"
        ours(dirty, AllOf((Age(0, None),)), dirty_memo)()
        criterion = AllOf((District(("030105",)), Age(18, 66)))
        cold, recipients = median_seconds(ours(dirty, criterion, None), arguments.repeat)
        warm, _ = median_seconds(ours(dirty, criterion, dirty_memo), arguments.repeat)
        # The analyst's CAST fails on the first impossible date: TRY_CAST skips it.
        tolerant = born_between("years", 18, 66, "TRY_CAST(p.foedselsdato AS DATE)")
        sql = reference_sql(dirty, f"p.bydelsnummer = 30105 AND {tolerant}")
        reference, reachable = median_seconds(hand_written(sql), arguments.repeat)
        ratios.append(("district + age, bad rows", cold / reference, warm / reference, 1.5))
        print(
            f"{'district + age, 1 row in 1,000 bad':40} {cold:7.3f}s {warm:7.3f}s "
            f"{reference:8.3f}s {cold / reference:8.2f} {warm / reference:8.2f}  (limit 1.5; "
            f"{recipients:,} recipients; the bad rows are known by hash when warm)"
        )
        trench, polygon = trench_and_district_areas(folder, Path(workdir))
        print("\nareas, against proaktive's own district + age, limit 2.0x")
        for name, area in (
            ("area: 1 km trench, 30 m buffer", Area(trench, 30.0)),
            ("area: Frogner polygon", Area(polygon, 0.0)),
        ):
            criterion = AllOf((area, Age(18, 66)))
            cold, recipients = median_seconds(ours(folder, criterion, None), arguments.repeat)
            warm, _ = median_seconds(ours(folder, criterion, memo), arguments.repeat)
            print(
                f"{name:40} {cold:7.3f}s {warm:7.3f}s {'':>9} "
                f"{cold / baseline['cold']:8.2f} {warm / baseline['warm']:8.2f}"
                f"  ({recipients:,} recipients)"
            )
    print("\nagainst the limits:")
    for name, cold_ratio, warm_ratio, limit in ratios:
        verdict = "within" if warm_ratio <= limit else "OVER"
        print(
            f"  {name}: warm {warm_ratio:.2f}x, {verdict} the limit of {limit}x; "
            f"the first read of a new export {cold_ratio:.2f}x"
        )


if __name__ == "__main__":
    main()
