"""Generate a synthetic Uptake data set as canonical tables, vectorised and seeded.

The real build validates text rows one by one in Python, which is right for registers of a
few thousand rows and far too slow for a million. Synthetic data are generated already
canonical, as Polars frames built from numpy arrays, so a benchmark-sized snapshot takes
seconds. The shapes follow what real follow-up looks like: institutions answer early, late or
never; statuses advance over time and sometimes stall or are abandoned; a fifth of cycles are
known only from declared counts and an outcome report; assessors sometimes disagree.

The same arguments and seed always give the same rows: every random draw comes from one
numpy Generator, in a fixed order, and nothing depends on the clock (dates are relative to
SYNTHETIC_AS_OF, which the snapshot records as its `as_of`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from ingest.synth_text import (
    CONGRUENCE_SCALE,
    COUNTRY_PROFILES,
    CYCLE_PREFIX,
    INSTITUTION_KIND_WEIGHTS,
    INSTITUTION_KINDS,
    RECOMMENDATION_PREFIX,
    STANCE_SCALE,
    STATUS_SCALE,
    THEMES,
    label_for,
    summary_text,
    theme_word,
)

SYNTHETIC_AS_OF = dt.date(2026, 6, 30)
SOURCE_ID = "synthetic"
URL_ROOT = "https://example.invalid/synthetic"
EPOCH = dt.date(1970, 1, 1)

# Stage indexes into STATUS_SCALE.
NOT_STARTED, IN_PROGRESS, PARTIAL, IMPLEMENTED, ABANDONED = range(5)
# Where a recommendation's implementation ends up, by the stance of its answer
# (accepted or partially / noted or no answer / rejected); columns follow STATUS_SCALE.
TARGET_STATUS_PROBABILITIES = np.array(
    [
        [0.08, 0.25, 0.20, 0.40, 0.07],
        [0.25, 0.30, 0.10, 0.15, 0.20],
        [0.45, 0.10, 0.05, 0.05, 0.35],
    ]
)
# What a second assessor reports instead of the administration's latest status: usually one
# step less progress ("partially" where the administration says "implemented").
DISAGREEING_STATUS = np.array([IN_PROGRESS, NOT_STARTED, IN_PROGRESS, PARTIAL, IN_PROGRESS])


@dataclass(frozen=True)
class SynthSpec:
    """What to generate: exact row counts for the three scale-defining tables, and the seed."""

    institutions: int
    recommendations: int
    events: int
    seed: int
    run_id: int = 1
    as_of: dt.date = SYNTHETIC_AS_OF

    def __post_init__(self) -> None:
        if self.institutions < 1:
            raise ValueError("institutions must be at least 1")
        if self.recommendations < 0 or self.events < 0:
            raise ValueError("recommendations and events cannot be negative")
        if self.events and not self.recommendations:
            raise ValueError("status events need at least one recommendation")


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to `weights` that sum exactly to it
    (largest remainder; ties go to the lower index, so the split is deterministic)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    if weights.sum() <= 0:
        weights = np.ones(len(weights))
    exact = weights / weights.sum() * total
    parts = np.floor(exact).astype(np.int64)
    short = total - int(parts.sum())
    if short:
        order = np.lexsort((np.arange(len(weights)), -(exact - parts)))
        parts[order[:short]] += 1
    return parts


def _cumcount(sizes: np.ndarray) -> np.ndarray:
    """0, 1, … within each consecutive group of the given sizes."""
    total = int(sizes.sum())
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(total) - starts


def _days(date: dt.date) -> int:
    return (date - EPOCH).days


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))


def _month_start(days: np.ndarray) -> np.ndarray:
    as_dates = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return as_dates.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _id_column(prefix: str, count: int, width: int) -> pl.Series:
    numbers = pl.Series("n", np.arange(1, count + 1)).cast(pl.String).str.zfill(width)
    return pl.select(pl.lit(prefix) + numbers).to_series()


def _lookup(keys: pl.Series, mapping: dict[str, str]) -> pl.Series:
    return keys.replace_strict(mapping, return_dtype=pl.String)


class _Generator:
    """Draws the data set table by table; attributes carry the arrays later tables need."""

    def __init__(self, spec: SynthSpec) -> None:
        self.spec = spec
        self.rng = np.random.default_rng(spec.seed)
        self.as_of = _days(spec.as_of)
        self.tables: dict[str, pl.DataFrame] = {}

    def with_provenance(self, frame: pl.DataFrame, ref: str) -> pl.DataFrame:
        """Every canonical row says it is synthetic and which generated source it came from."""
        return frame.with_columns(
            pl.lit(True).alias("is_synthetic"),
            pl.lit(SOURCE_ID).alias("source_id"),
            pl.lit(f"seed {self.spec.seed}: {ref}").alias("source_ref"),
            pl.lit(self.spec.run_id, dtype=pl.Int32).alias("first_run_id"),
            pl.lit(self.spec.run_id, dtype=pl.Int32).alias("changed_run_id"),
        )

    # --- institutions ---------------------------------------------------------------------

    def institutions(self) -> None:
        rng, n = self.rng, self.spec.institutions
        weights = np.array([p.weight for p in COUNTRY_PROFILES])
        self.inst_profile = rng.choice(len(COUNTRY_PROFILES), size=n, p=weights / weights.sum())
        kind = rng.choice(len(INSTITUTION_KINDS), size=n, p=INSTITUTION_KIND_WEIGHTS)
        self.inst_cycles = rng.integers(1, 9, size=n)
        self.inst_deadline = rng.choice(
            [60, 90, 120, 180, 365, -1], size=n, p=[0.1, 0.3, 0.2, 0.2, 0.1, 0.1]
        )
        final_deadline = np.where(rng.random(n) < 0.3, rng.choice([365, 730], size=n), -1)
        # How an institution answers: early (25%), late (55%) or hardly at all (20%).
        style = rng.choice(3, size=n, p=[0.25, 0.55, 0.20])
        self.inst_delay = np.select(
            [style == 0, style == 1],
            [rng.uniform(-60, -5, n), rng.uniform(5, 180, n)],
            rng.uniform(60, 400, n),
        )
        self.inst_unanswered = np.where(
            style == 2, rng.uniform(0.3, 0.7, n), rng.uniform(0, 0.08, n)
        )
        self.inst_acceptance = rng.beta(4, 3, n)
        self.inst_progress = rng.random(n) < 0.4
        self.inst_month_precision = rng.random(n) < 0.1
        self.inst_interim = rng.random(n) < 0.25
        self.inst_stale = rng.random(n) < 0.15
        self.inst_publish_lag = rng.integers(1, 31, size=n)

        width = max(4, len(str(n)))
        ids = [f"synth-inst-{i + 1:0{width}d}" for i in range(n)]
        self.inst_ids = ids
        self.inst_languages = [COUNTRY_PROFILES[p].languages for p in self.inst_profile]
        self.inst_responder = [f"Synthetic Council {i + 1:0{width}d}" for i in range(n)]
        kinds = [INSTITUTION_KINDS[k] for k in kind]
        deadlines = [int(d) if d > 0 else None for d in self.inst_deadline]
        self.tables["institutions"] = pl.DataFrame(
            {
                "institution_id": ids,
                "name": [
                    f"Synthetic {k.replace('_', ' ')} {i + 1:0{width}d}"
                    for i, k in enumerate(kinds)
                ],
                "city": [f"Synthetic City {i + 1:0{width}d}" for i in range(n)],
                "country": [COUNTRY_PROFILES[p].country for p in self.inst_profile],
                "kind": kinds,
                "languages": [list(langs) for langs in self.inst_languages],
                "responder": self.inst_responder,
                "response_deadline_days": pl.Series(deadlines, dtype=pl.Int32),
                "final_deadline_days": pl.Series(
                    [int(d) if d > 0 else None for d in final_deadline], dtype=pl.Int32
                ),
                "deadline_rule": [
                    f"Synthetic rule: a written answer within {d} days of the handover"
                    if d
                    else None
                    for d in deadlines
                ],
                "source_url": [f"{URL_ROOT}/institutions/{i}" for i in ids],
                "note": [
                    f"Synthetic institution generated with seed {self.spec.seed}; not a real body."
                ]
                * n,
            }
        )

    # --- cycles ---------------------------------------------------------------------------

    def cycles(self) -> None:
        rng, spec = self.rng, self.spec
        inst = np.repeat(np.arange(spec.institutions), self.inst_cycles)
        count = len(inst)
        number = _cumcount(self.inst_cycles) + 1
        first_year = spec.as_of.year - self.inst_cycles - rng.integers(0, 3, spec.institutions)
        year = first_year[inst] + number - 1
        month = rng.integers(1, 10, size=count)
        started = np.array(
            [_days(dt.date(int(y), int(m), 1)) for y, m in zip(year, month, strict=True)],
            dtype=np.int64,
        ) + rng.integers(0, 28, size=count)
        ended = started + rng.integers(60, 241, size=count)
        handover = np.minimum(ended + rng.integers(0, 31, size=count), self.as_of - 14)
        ended = np.minimum(ended, handover)
        started = np.minimum(started, ended - 60)

        deadline = self.inst_deadline[inst]
        clock = np.where(deadline > 0, deadline, 150)
        response_day = handover + clock + np.round(self.inst_delay[inst] + rng.normal(0, 25, count))
        self.cycle_response_day = np.maximum(response_day.astype(np.int64), handover + 10)
        self.cycle_unanswered = rng.random(count) < self.inst_unanswered[inst]

        report_only = rng.random(count) < 0.2
        if spec.recommendations and report_only.all():
            report_only[0] = False
        size = rng.integers(10, 121, size=count)
        items = np.zeros(count, dtype=np.int64)
        items[~report_only] = allocate(spec.recommendations, size[~report_only])
        declared_draw = rng.random(count)
        extra = np.ceil(items * rng.uniform(0.05, 0.3, size=count)).astype(np.int64)
        declared = np.where(report_only, size, np.where(declared_draw < 0.1, items + extra, items))
        declared_present = report_only | (declared_draw >= 0.05)

        language = [
            self.inst_languages[i][(k - 1) % len(self.inst_languages[i])]
            for i, k in zip(inst, number, strict=True)
        ]
        topic = rng.integers(0, len(THEMES), size=count)
        width = max(5, len(str(count)))
        ids = [f"synth-cycle-{i + 1:0{width}d}" for i in range(count)]

        self.cycle_inst, self.cycle_ids, self.cycle_language = inst, ids, language
        self.cycle_started, self.cycle_ended, self.cycle_handover = started, ended, handover
        self.cycle_topic, self.cycle_items, self.cycle_declared = topic, items, declared
        self.cycle_report_only = report_only
        self.tables["cycles"] = pl.DataFrame(
            {
                "cycle_id": ids,
                "institution_id": [self.inst_ids[i] for i in inst],
                "number": pl.Series(number, dtype=pl.Int32),
                "title": [
                    f"{CYCLE_PREFIX[lang]} {k}: {theme_word(lang, THEMES[t])}"
                    for lang, k, t in zip(language, number, topic, strict=True)
                ],
                "topic": [THEMES[t] for t in topic],
                "language": language,
                "started_on": _dates(started),
                "started_on_precision": ["day"] * count,
                "ended_on": _dates(ended),
                "ended_on_precision": ["day"] * count,
                "handed_over_on": _dates(handover),
                "handed_over_on_precision": ["day"] * count,
                "members": pl.Series(rng.integers(20, 81, size=count), dtype=pl.Int32),
                "declared_count": pl.Series(
                    [
                        int(d) if known else None
                        for d, known in zip(declared, declared_present, strict=True)
                    ],
                    dtype=pl.Int32,
                ),
                # Two cycles in three are marked as checked complete (without drawing from the
                # generator, so every other synthetic figure stays as it was): the others show
                # what "not recorded" looks like at scale.
                "follow_up_complete": pl.Series(number % 3 != 0, dtype=pl.Boolean),
                "source_url": [f"{URL_ROOT}/cycles/{i}" for i in ids],
                "note": [
                    "Synthetic cycle: only declared counts and an outcome report are known."
                    if r
                    else None
                    for r in report_only
                ],
            }
        )

    # --- milestones -----------------------------------------------------------------------

    def milestones(self) -> None:
        rng = self.rng
        cycle, day, kind, label = [], [], [], []

        def add(c: int, d: int, k: str, text: str) -> None:
            if d <= self.as_of:
                cycle.append(c)
                day.append(d)
                kind.append(k)
                label.append(text)

        for c in range(len(self.cycle_ids)):
            inst = self.cycle_inst[c]
            start, end = int(self.cycle_started[c]), int(self.cycle_ended[c])
            handover = int(self.cycle_handover[c])
            sessions = int(rng.integers(3, 7))
            for k, offset in enumerate(np.linspace(0, end - start, sessions).round()):
                add(c, start + int(offset), "session", f"Synthetic session {k + 1}")
            add(c, handover, "handover", "Synthetic handover of the recommendations")
            if rng.random() < 0.5:
                add(c, handover + int(rng.integers(7, 31)), "presentation", "Synthetic hearing")
            answer = int(self.cycle_response_day[c])
            if not self.cycle_unanswered[c]:
                if self.inst_interim[inst]:
                    add(c, handover + (answer - handover) // 2, "interim_response",
                        "Synthetic interim answer")  # fmt: skip
                add(c, answer, "final_response", "Synthetic answer of the council")
            follow_up = rng.random()
            if follow_up < 0.6:
                add(c, handover + 365 + int(rng.integers(0, 61)), "follow_up_meeting",
                    "Synthetic follow-up meeting")  # fmt: skip
            if follow_up < 0.3:
                add(c, handover + 730 + int(rng.integers(0, 61)), "follow_up_meeting",
                    "Synthetic second follow-up meeting")  # fmt: skip
            final_deadline = self.tables["institutions"]["final_deadline_days"][int(inst)]
            if final_deadline is not None:
                add(c, handover + final_deadline + int(rng.integers(-30, 91)), "final_report",
                    "Synthetic final report")  # fmt: skip
            elif rng.random() < 0.4:
                add(c, handover + int(rng.integers(600, 901)), "final_report",
                    "Synthetic final report")  # fmt: skip

        cycle_ids = [self.cycle_ids[c] for c in cycle]
        dates = _dates(np.array(day, dtype=np.int64))
        count = len(cycle)
        self.tables["milestones"] = pl.DataFrame(
            {
                "cycle_id": cycle_ids,
                "occurred_on": dates,
                "occurred_on_precision": ["day"] * count,
                "kind": kind,
                "label": label,
                "source_url": [f"{URL_ROOT}/cycles/{c}/milestones" for c in cycle_ids],
            }
        ).select(
            (
                pl.col("cycle_id")
                + "/"
                + pl.col("occurred_on").cast(pl.String)
                + "/"
                + pl.col("kind")
            ).alias("milestone_id"),
            pl.all(),
        )

    # --- recommendations ------------------------------------------------------------------

    def recommendations(self) -> None:
        rng, m = self.rng, self.spec.recommendations
        rec_cycle = np.repeat(np.arange(len(self.cycle_ids)), self.cycle_items)
        rec_inst = self.cycle_inst[rec_cycle]
        number = _cumcount(self.cycle_items) + 1
        theme = np.where(
            rng.random(m) < 0.6, self.cycle_topic[rec_cycle], rng.integers(0, len(THEMES), m)
        )
        support = rng.uniform(0.55, 0.99, m).round(3)
        support_known = rng.random(m) < 0.7
        chapter = rng.random(m) < 0.01
        self.rec_cycle, self.rec_inst = rec_cycle, rec_inst

        width = max(7, len(str(m)))
        frame = pl.DataFrame(
            {
                "recommendation_id": _id_column("synth-rec-", m, width),
                "cycle_idx": rec_cycle,
                "number": pl.Series(number).cast(pl.String),
                "theme_idx": theme,
                "support": np.where(support_known, support, np.nan),
                "granularity": np.where(chapter, "chapter", "item"),
            }
        )
        cycles = pl.DataFrame(
            {
                "cycle_idx": np.arange(len(self.cycle_ids)),
                "cycle_id": self.cycle_ids,
                "language": self.cycle_language,
                "adopted_on": _dates(self.cycle_ended),
                "addressee": [self.inst_responder[i] for i in self.cycle_inst],
            }
        )
        frame = frame.join(cycles, on="cycle_idx", how="left", maintain_order="left")
        self.rec_language = frame["language"]
        self.rec_ids = frame["recommendation_id"]
        theme_key = frame["language"] + "|" + frame["theme_idx"].cast(pl.String)
        theme_words = {
            f"{lang}|{t}": theme_word(lang, name)
            for lang in RECOMMENDATION_PREFIX
            for t, name in enumerate(THEMES)
        }
        seed = self.spec.seed
        self.tables["recommendations"] = frame.select(
            "recommendation_id",
            "cycle_id",
            "number",
            (
                _lookup(frame["language"], RECOMMENDATION_PREFIX)
                + " "
                + pl.col("number")
                + ": "
                + _lookup(theme_key, theme_words)
            ).alias("title"),
            pl.lit(
                f"Synthetic text generated with seed {seed} for tests and benchmarks; "
                "not a real recommendation."
            ).alias("body"),
            "language",
            pl.col("theme_idx").replace_strict(dict(enumerate(THEMES))).alias("theme"),
            "addressee",
            "adopted_on",
            pl.lit("day").alias("adopted_on_precision"),
            pl.col("support").fill_nan(None),
            "granularity",
            (pl.lit(f"{URL_ROOT}/recommendations/") + pl.col("recommendation_id")).alias(
                "source_url"
            ),
        )

    # --- summaries ------------------------------------------------------------------------

    def summaries(self) -> None:
        """A summary in each recommendation's language and one in English, with everyday
        keywords: what a register keeper writes so readers find it in their language. Drawn
        from no random numbers, so every other synthetic figure stays as it was."""
        recs = self.tables["recommendations"].select("recommendation_id", "language", "theme")
        english = recs.filter(pl.col("language") != "en").with_columns(
            pl.lit("en").alias("language")
        )
        frame = pl.concat([recs, english]).sort("recommendation_id", "language")
        texts = {
            f"{lang}|{theme}": summary_text(lang, theme)
            for lang in RECOMMENDATION_PREFIX
            for theme in THEMES
        }
        key = frame["language"] + "|" + frame["theme"]
        self.tables["summaries"] = frame.select(
            (pl.col("recommendation_id") + "/" + pl.col("language")).alias("summary_id"),
            "recommendation_id",
            "language",
            _lookup(key, {k: v[0] for k, v in texts.items()}).alias("summary"),
            _lookup(key, {k: v[1] for k, v in texts.items()}).alias("keywords"),
            (pl.lit(f"{URL_ROOT}/recommendations/") + pl.col("recommendation_id") + "/summary")
            .alias("source_url"),
            pl.lit("Synthetic summary; not written from a real source.").alias("note"),
        )  # fmt: skip

    def _labels(self, vocabulary: str, values: tuple[str, ...]) -> dict[str, str]:
        return {
            f"{value}|{lang}": label_for(vocabulary, value, lang)
            for value in values
            for lang in RECOMMENDATION_PREFIX
        }

    # --- responses ------------------------------------------------------------------------

    def responses(self) -> None:
        rng, m = self.rng, self.spec.recommendations
        cyc, inst = self.rec_cycle, self.rec_inst
        handover = self.cycle_handover[cyc]
        answered = ~self.cycle_unanswered[cyc] & (rng.random(m) >= 0.04)
        final_day = np.maximum(
            self.cycle_response_day[cyc] + np.round(rng.normal(0, 6, m)).astype(np.int64),
            handover + 1,
        )
        interim_day = handover + (final_day - handover) // 2
        has_final = answered & (final_day <= self.as_of)
        has_interim = answered & self.inst_interim[inst] & (interim_day <= self.as_of)

        acceptance = self.inst_acceptance[inst]
        draw = rng.random(m)
        accepted = acceptance * 0.7
        partial = accepted + acceptance * 0.3
        noted = partial + (1 - acceptance) * 0.5
        stance = np.select([draw < accepted, draw < partial, draw < noted], [0, 1, 2], 3)
        interim_stance = np.where(rng.random(m) < 0.7, 2, stance)
        self.rec_stance = np.where(has_final | has_interim, stance, -1)
        self.rec_final_stance = stance

        month = self.inst_month_precision[inst]
        parts = []
        for kind, present, day, stances in (
            ("interim", has_interim, interim_day, interim_stance),
            ("final", has_final, final_day, stance),
        ):
            rows = np.flatnonzero(present)
            shown_day = np.where(month[rows], _month_start(day[rows]), day[rows])
            parts.append(
                pl.DataFrame(
                    {
                        "recommendation_id": self.rec_ids.gather(rows),
                        # Typed, so a kind with no rows (a tiny data set) still stacks.
                        "response_kind": pl.Series([kind] * len(rows), dtype=pl.String),
                        "responded_on": _dates(shown_day),
                        "responded_on_precision": np.where(month[rows], "month", "day"),
                        "responder": pl.Series(self.inst_responder).gather(inst[rows]),
                        "stance": pl.Series(STANCE_SCALE).gather(stances[rows]),
                        "language": self.rec_language.gather(rows),
                    }
                )
            )
        frame = pl.concat(parts).sort("recommendation_id", "response_kind", maintain_order=True)
        labels = self._labels("stance", STANCE_SCALE)
        frame = frame.select(
            (pl.col("recommendation_id") + "/" + pl.col("response_kind")).alias("response_id"),
            "recommendation_id",
            "response_kind",
            "responded_on",
            "responded_on_precision",
            "responder",
            "stance",
            _lookup(frame["stance"] + "|" + frame["language"], labels).alias("stance_label"),
            pl.lit("Synthetic answer; not a real response.").alias("body"),
            (pl.lit(f"{URL_ROOT}/responses/") + pl.col("recommendation_id")).alias("source_url"),
        )
        self.tables["responses"] = frame

    # --- status events --------------------------------------------------------------------

    def status_events(self) -> None:
        rng, m, k = self.rng, self.spec.recommendations, self.spec.events
        cyc, inst = self.rec_cycle, self.rec_inst
        handover = self.cycle_handover[cyc]
        age_years = (self.as_of - handover) / 365 + 0.3
        weight = rng.gamma(2.0, 1.0, m) * age_years
        weight[rng.random(m) < 0.08] = 0  # never any status update
        per_rec = allocate(k, weight)

        start = np.minimum(handover + 14, self.as_of)
        stale = self.inst_stale[inst] | (rng.random(m) < 0.08)
        end = np.where(
            stale,
            self.as_of - rng.integers(400, 900, m),
            self.as_of - rng.integers(0, 300, m),
        )
        end = np.clip(end, start, self.as_of)

        stance_group = np.select(
            [self.rec_stance <= 1, self.rec_stance == 3], [0, 2], 1
        )  # accepted / rejected / noted or unanswered
        cumulative = TARGET_STATUS_PROBABILITIES.cumsum(axis=1)[stance_group]
        target = (rng.random(m)[:, None] >= cumulative).sum(axis=1).clip(0, ABANDONED)
        top = np.where(target == ABANDONED, IN_PROGRESS, target)
        disagree = (per_rec >= 2) & (rng.random(m) < 0.055)
        other_assessor = np.where(rng.random(m) < 0.6, "citizens_body", "independent")

        ev_rec = np.repeat(np.arange(m), per_rec)
        j = _cumcount(per_rec)
        n = per_rec[ev_rec]
        fraction = rng.random(k)
        fraction = fraction[np.lexsort((fraction, ev_rec))]
        span = end[ev_rec] - start[ev_rec]
        occurred = start[ev_rec] + np.minimum(np.floor(fraction * (span + 1)), span).astype(
            np.int64
        )
        step = (j + 1) / n
        stage = np.minimum(np.floor(step * (top[ev_rec] + 1) - 1e-9), top[ev_rec]).astype(np.int64)
        last = j == n - 1
        stage = np.where(last & (target[ev_rec] == ABANDONED), ABANDONED, stage)
        previous_stage = np.roll(stage, 1)
        second_opinion = last & disagree[ev_rec]
        stage = np.where(second_opinion, DISAGREEING_STATUS[previous_stage], stage)
        assessor = np.where(second_opinion, other_assessor[ev_rec], "administration")

        ev_inst = inst[ev_rec]
        progress = np.select(
            [stage == NOT_STARTED, stage == IN_PROGRESS, stage == PARTIAL, stage == IMPLEMENTED],
            [np.zeros(k), 10 + 50 * step, 50 + 40 * step, np.full(k, 100.0)],
            np.nan,
        ).round()
        progress = np.where(self.inst_progress[ev_inst], progress, np.nan)
        month = self.inst_month_precision[ev_inst]
        shown = np.where(month, _month_start(occurred), occurred)
        # A source publishes with its own lag; event order is kept, ties broken by position.
        observed_days = np.minimum(occurred + self.inst_publish_lag[ev_inst], self.as_of)
        observed = observed_days.astype("datetime64[D]").astype("datetime64[us]") + (
            np.timedelta64(6, "h") + (j % 3600).astype("timedelta64[s]")
        )
        self.rec_events, self.rec_target = per_rec, target
        self.rec_last_event_day = np.full(m, -1, dtype=np.int64)
        self.rec_last_event_day[ev_rec[last]] = occurred[last]

        width = max(8, len(str(k)))
        event_ids = _id_column("synth-evt-", k, width)
        status = pl.Series(STATUS_SCALE).gather(stage)
        language = self.rec_language.gather(ev_rec)
        labels = self._labels("implementation", STATUS_SCALE)
        frame = pl.DataFrame(
            {
                "event_id": event_ids,
                "recommendation_id": self.rec_ids.gather(ev_rec),
                "occurred_on": _dates(shown),
                "occurred_on_precision": np.where(month, "month", "day"),
                "observed_at": pl.Series(observed),
                "status": status,
                "status_label": _lookup(status + "|" + language, labels),
                "progress": pl.Series(progress).fill_nan(None),
                "assessor": assessor,
            }
        ).with_columns(
            (pl.lit(f"{URL_ROOT}/recommendations/") + pl.col("recommendation_id") + "/status")
            .alias("source_url"),
            pl.lit("listed").alias("origin"),
            pl.col("event_id").alias("slot_key"),
        )  # fmt: skip
        self.tables["status_events"] = frame

    # --- congruence -----------------------------------------------------------------------

    def congruence(self) -> None:
        rng, m = self.rng, self.spec.recommendations
        candidates = (
            (self.rec_stance >= 0)
            & (self.rec_stance <= 1)
            & np.isin(self.rec_target, [PARTIAL, IMPLEMENTED])
            & (self.rec_events > 0)
        )
        chosen = np.flatnonzero(candidates & (rng.random(m) < 0.25))
        draw = rng.random(len(chosen))
        implemented = self.rec_target[chosen] == IMPLEMENTED
        level = np.where(
            implemented,
            np.select([draw < 0.55, draw < 0.85], [0, 1], 2),
            np.select([draw < 0.1, draw < 0.5], [0, 1], 2),
        )
        independent = rng.random(len(chosen)) < 0.08
        rows = np.concatenate([chosen, chosen[independent]])
        levels = np.concatenate([level, np.minimum(level[independent] + 1, 3)])
        assessors = ["administration"] * len(chosen) + ["independent"] * int(independent.sum())
        assessed = np.minimum(self.rec_last_event_day[rows] + 30, self.as_of)
        frame = pl.DataFrame(
            {
                "recommendation_id": self.rec_ids.gather(rows),
                "level": pl.Series(CONGRUENCE_SCALE, dtype=pl.String).gather(levels),
                "assessor": pl.Series(assessors, dtype=pl.String),
                "assessed_on": _dates(assessed),
            }
        ).with_columns(
            pl.lit("Synthetic measure").alias("adopted_measure"),
            pl.lit("day").alias("assessed_on_precision"),
        )
        frame = frame.select(
            (pl.col("recommendation_id") + "/" + pl.col("assessor")).alias("congruence_id"),
            pl.all(),
            (pl.lit(f"{URL_ROOT}/recommendations/") + pl.col("recommendation_id") + "/congruence")
            .alias("source_url"),
        ).sort("congruence_id")  # fmt: skip
        self.tables["congruence"] = frame

    # --- outcome reports ------------------------------------------------------------------

    def outcome_reports(self) -> None:
        rng = self.rng
        rows: dict[str, list[object]] = {
            "cycle_id": [], "reported_on": [], "reported_by": [], "status": [],
            "status_label": [], "count": [],
        }  # fmt: skip
        for c in np.flatnonzero(self.cycle_report_only):
            handover = int(self.cycle_handover[c])
            first = handover + int(rng.integers(300, 501))
            dates = [first, first + int(rng.integers(300, 501))][: int(rng.integers(1, 3))]
            dates = [d for d in dates if d <= self.as_of] or [min(handover + 120, self.as_of)]
            declared = int(self.cycle_declared[c])
            responder = self.inst_responder[int(self.cycle_inst[c])]
            language = self.cycle_language[c]
            for day in dates:
                years = (day - handover) / 365
                implemented = min(0.6, 0.1 + 0.15 * years)
                shares = np.array([0.3, 0.4, 0.1, 0.0, 0.1]) * (1 - implemented)
                shares[IMPLEMENTED] = implemented
                counts = rng.multinomial(declared, shares / shares.sum())
                for stage, count in enumerate(counts):
                    if count == 0:
                        continue
                    rows["cycle_id"].append(self.cycle_ids[c])
                    rows["reported_on"].append(day)
                    rows["reported_by"].append(responder)
                    rows["status"].append(STATUS_SCALE[stage])
                    rows["status_label"].append(
                        label_for("implementation", STATUS_SCALE[stage], language)
                    )
                    rows["count"].append(int(count))
        frame = pl.DataFrame(
            {
                **{key: pl.Series(values, dtype=pl.String) for key, values in rows.items()
                   if key not in ("reported_on", "count")},
                "reported_on": _dates(np.array(rows["reported_on"], dtype=np.int64)),
                "count": pl.Series(rows["count"], dtype=pl.Int32),
            }
        )  # fmt: skip
        frame = frame.select(
            (
                pl.col("cycle_id") + "/" + pl.col("reported_on").cast(pl.String) + "/"
                + pl.col("reported_by") + "/" + pl.col("status_label")
            ).alias("outcome_report_id"),
            "cycle_id",
            "reported_on",
            pl.lit("day").alias("reported_on_precision"),
            "reported_by",
            pl.lit("administration").alias("assessor"),
            "status",
            "status_label",
            "count",
            (pl.lit(f"{URL_ROOT}/cycles/") + pl.col("cycle_id") + "/outcome-report")
            .alias("source_url"),
        )  # fmt: skip
        self.tables["outcome_reports"] = frame


def generate(spec: SynthSpec) -> dict[str, pl.DataFrame]:
    """Every canonical table of a synthetic snapshot, keyed by table name, in load order."""
    generator = _Generator(spec)
    generator.institutions()
    generator.cycles()
    generator.milestones()
    generator.recommendations()
    generator.responses()
    generator.status_events()
    generator.congruence()
    generator.outcome_reports()
    generator.summaries()
    return {
        name: generator.with_provenance(frame, name) for name, frame in generator.tables.items()
    }
