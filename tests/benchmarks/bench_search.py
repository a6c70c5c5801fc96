"""Recommendation search at Europe scale: index build time and size, query times per language.

    python tests/benchmarks/bench_search.py                 # 100 000 recommendations
    python tests/benchmarks/bench_search.py --data-dir DIR  # reuse a synthetic snapshot
    python tests/benchmarks/bench_search.py --recommendations 10000 --events 50000  # quick look

Publishes a synthetic snapshot with `python -m ingest synth` (unless --data-dir names one),
times the search index build on it again, then runs every query of QUERIES through the
explorer's own query (dashboard/queries.py, undecorated: no cache) and prints median and p95
per language and overall, against the target of a 100 ms median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402

TARGET_MEDIAN_SECONDS = 0.100
# What people type, per language: single words, plurals, compounds' parts, words without
# their accents, two-word queries, words found only in summaries or keywords, and words
# found nowhere.
QUERIES: dict[str, tuple[str, ...]] = {
    "da": ("cykel", "cykler", "cykelsti", "klima", "bolig", "boliger", "husleje", "gron",
           "grøn", "trivsel", "skole", "lærer", "elever", "hedebølge", "træer", "traeer",
           "oversvømmelse", "bus", "læge", "hospital", "valg", "borgerting", "høring",
           "solceller", "varme", "strøm", "ældre", "hjemløse", "fællesskab", "syntetisk",
           "anbefaling", "sundhed", "uddannelse", "demokrati", "energi", "mobilitet",
           "social", "borgerting klima", "cykel bus", "bolig husleje", "ældre fællesskab",
           "skole elever", "hjemlose", "aeldre", "faellesskab", "energi varme", "klimaet",
           "boligerne", "cyklerne", "xyzzy"),
    "de": ("Pflege", "Wohnung", "Wohnungen", "wohnen", "Miete", "Fahrrad", "Radweg",
           "Hitze", "Bäume", "Baeume", "Baume", "Hochwasser", "Arzt", "Krankenhaus", "Schule",
           "Schüler", "Schueler", "Lehrer", "Wahl", "Bürgerrat", "Buergerrat", "Beteiligung",
           "Solaranlage", "Heizung", "Strom", "Senioren", "Obdachlose", "Nachbarschaft",
           "Klima", "Mobilität", "Gesundheit", "Bildung", "Demokratie", "Energie", "Soziales",
           "synthetische", "Empfehlung", "Bürgerversammlung", "Klima Hitze", "Wohnung Miete",
           "Schule Lehrer", "Strom Heizung", "Pflege Senioren", "Fahrrad Bus", "Krankenhäuser",
           "Radwege", "Mieten", "Wohnen", "Energiewende", "qwrtz"),
    "en": ("housing", "homes", "rent", "bike", "bikes", "cycle lane", "bus", "heatwave",
           "trees", "tree", "flooding", "flood", "doctor", "hospital", "care", "school",
           "teacher", "teachers", "pupils", "vote", "citizens' panel", "consultation",
           "solar panels", "solar", "heating", "electricity", "elderly", "homeless",
           "homelessness", "neighbourhood", "climate", "mobility", "health", "education",
           "democracy", "energy", "social", "synthetic", "recommendation", "assembly",
           "council", "climate trees", "rent homes", "school teacher", "energy heating",
           "care elderly", "bus bike", "public transport", "city", "zzyzx"),
    "fr": ("sans-abri", "sans abri", "logement", "logements", "loyer", "vélo", "velo",
           "piste cyclable", "canicule", "arbres", "arbre", "inondation", "médecin",
           "medecin", "hôpital", "hopital", "soins", "école", "ecole", "enseignant", "élèves",
           "vote", "panel citoyen", "consultation", "panneaux solaires", "chauffage",
           "électricité", "aînés", "aines", "voisinage", "climat", "mobilité", "mobilite",
           "santé", "éducation", "démocratie", "énergie", "energie", "solidarité",
           "synthétique", "recommandation", "assemblée citoyenne", "logement loyer",
           "climat arbres", "école élèves", "énergie chauffage", "vélo bus", "sans-abrisme",
           "logement social", "wxqz"),
    "it": ("trasporti", "mobilità", "mobilita", "alberi", "albero", "verde", "clima",
           "caldo", "alluvione", "bicicletta", "biciclette", "autobus", "pista ciclabile",
           "casa", "case", "affitto", "affitti", "medico", "ospedale", "cura", "scuola",
           "insegnante", "studenti", "voto", "assemblea", "consultazione", "pannelli solari",
           "riscaldamento", "elettricità", "elettricita", "anziani", "senzatetto",
           "quartiere", "salute", "istruzione", "democrazia", "energia", "welfare", "abitare",
           "sintetica", "raccomandazione", "clima alberi", "casa affitto", "scuola studenti",
           "energia riscaldamento", "bicicletta autobus", "anziani quartiere", "città",
           "citta", "qzxw"),
    "nl": ("dakloos", "daklozen", "dakloosheid", "klimaat", "woning", "woningen", "huur",
           "fiets", "fietsen", "fietspad", "bus", "hittegolf", "bomen", "boom",
           "overstroming", "dokter", "ziekenhuis", "zorg", "school", "leraar", "leerlingen",
           "stemmen", "burgerpanel", "inspraak", "zonnepanelen", "verwarming", "stroom",
           "ouderen", "buurt", "mobiliteit", "wonen", "gezondheid", "onderwijs", "democratie",
           "energie", "welzijn", "synthetische", "aanbeveling", "burgerpanel klimaat",
           "woning huur", "fiets bus", "school leerlingen", "energie verwarming",
           "ouderen buurt", "klimaat bomen", "groene daken", "geluid", "lawaai", "daken",
           "vvxq"),
}  # fmt: skip


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--recommendations", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help="reuse this folder's current snapshot")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--json", type=Path, help="write every figure here")
    return parser.parse_args()


def _snapshot(args: argparse.Namespace) -> Path:
    data_dir = args.data_dir
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="uptake-bench-search-"))
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable, "-m", "ingest", "synth",
                "--institutions", str(args.institutions),
                "--recommendations", str(args.recommendations),
                "--events", str(args.events),
                "--seed", str(args.seed),
                "--data-dir", str(data_dir),
            ],
            cwd=REPO_ROOT,
            check=True,
        )  # fmt: skip
        print(f"synth: published in {time.perf_counter() - started:.1f}s")
    return data_dir / (data_dir / "CURRENT").read_text(encoding="utf-8").strip()


def _index_build(snapshot: Path) -> dict[str, float]:
    """Rebuild the index on a copy of the snapshot, timed, and measure what it stores."""
    from ingest.search_index import build_search_index

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.duckdb"
        copy.write_bytes(snapshot.read_bytes())
        with duckdb.connect(str(copy)) as con:
            started = time.perf_counter()
            stats = build_search_index(con)
            seconds = time.perf_counter() - started
            con.execute("CHECKPOINT")
            tables = ("search_terms", "search_postings", "search_field_stats", "search_fields")
            blocks = sum(
                con.execute(
                    f"SELECT count(DISTINCT block_id) FROM pragma_storage_info('{table}') "
                    "WHERE persistent"
                ).fetchone()[0]
                for table in tables
            )
            block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    size_mb = blocks * block_size / 1e6
    return {
        "index_build_seconds": seconds,
        "documents": stats.documents,
        "terms": stats.terms,
        "postings": stats.postings,
        "index_size_mb": size_mb,
    }


def _query_times(snapshot: Path, runs: int) -> dict[str, dict[str, float]]:
    from dashboard import queries
    from dashboard.snapshot import cursor

    count = queries.explorer_count.__wrapped__
    page = queries.explorer_page.__wrapped__
    path = str(snapshot)
    cursor(path)
    from ingest.search_text import query_terms

    results: dict[str, dict[str, float]] = {}
    every: list[float] = []
    every_search: list[float] = []
    baseline: list[float] = []
    unfiltered = queries.ExplorerFilters()
    for _ in range(runs * 5):
        started = time.perf_counter()
        count(path, unfiltered)
        page(path, unfiltered, 500)
        baseline.append(time.perf_counter() - started)
    for language, texts in QUERIES.items():
        times: list[float] = []
        search_times: list[float] = []
        found: list[int] = []
        for text in texts:
            filters = queries.ExplorerFilters(text=text)
            terms = query_terms(text)
            page(path, filters, 500)  # warm: the first read of the index pages it in
            for _ in range(runs):
                started = time.perf_counter()
                matching = count(path, filters)
                page(path, filters, 500)
                times.append(time.perf_counter() - started)
                started = time.perf_counter()
                cursor(path).execute(
                    "SELECT count(*) FROM search_scores(CAST(? AS VARCHAR[][]))", [terms]
                ).fetchone()
                search_times.append(time.perf_counter() - started)
            found.append(matching)
        every.extend(times)
        every_search.extend(search_times)
        results[language] = _figures(len(texts), times, search_times, statistics.median(found))
    results["all"] = _figures(sum(len(t) for t in QUERIES.values()), every, every_search, 0)
    results["no search"] = _figures(0, baseline, [0.0, 0.0], 100_000)
    return results


def _figures(queries: int, times: list[float], search: list[float], found: float) -> dict:
    return {
        "queries": queries,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": statistics.quantiles(times, n=20)[-1] * 1000,
        "search_median_ms": statistics.median(search) * 1000,
        "search_p95_ms": statistics.quantiles(search, n=20)[-1] * 1000,
        "median_found": found,
    }


def main() -> None:
    args = _arguments()
    snapshot = _snapshot(args)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        (recommendations,) = con.execute("SELECT count(*) FROM current_recommendations").fetchone()
    build = _index_build(snapshot)
    print(
        f"\nindex: {build['documents']:,} recommendations, {build['terms']:,} terms, "
        f"{build['postings']:,} postings, {build['index_size_mb']:.1f} MB, "
        f"built in {build['index_build_seconds']:.2f}s"
    )
    times = _query_times(snapshot, args.runs)
    print(f"\n{recommendations:,} recommendations; load average {os.getloadavg()[0]:.1f}")
    print("explorer = its count and first 500 rows with their explanations (dashboard/queries.py)")
    print("search   = the search alone: count(*) over search_scores")
    print(
        f"{'language':<10}{'queries':>8}{'explorer p50':>14}{'p95':>8}"
        f"{'search p50':>12}{'p95':>8}{'median found':>14}"
    )
    for language, figures in times.items():
        print(
            f"{language:<10}{figures['queries']:>8}{figures['median_ms']:>14.1f}"
            f"{figures['p95_ms']:>8.1f}{figures['search_median_ms']:>12.1f}"
            f"{figures['search_p95_ms']:>8.1f}{figures['median_found']:>14,.0f}"
        )
    met = times["all"]["search_median_ms"] / 1000 <= TARGET_MEDIAN_SECONDS
    print(
        f"\ntarget: search median ≤ {TARGET_MEDIAN_SECONDS * 1000:.0f} ms: "
        f"{'met' if met else 'MISSED'}"
    )
    if args.json:
        args.json.write_text(json.dumps({"build": build, "queries": times}, indent=2))


if __name__ == "__main__":
    main()
