"""The words synthetic rows are written in: country profiles, localised titles and status labels.

Synthetic data must look multilingual (so search, language filters and label crosswalks are
exercised at scale) while never passing for real: every title says "synthetic" in its own
language, and the status and stance labels are taken from the project's vocabularies, so
each label is one a real source could have used and maps back to its canonical value.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.paths import VOCABULARY_DIR


@dataclass(frozen=True)
class CountryProfile:
    """A country's share of synthetic institutions and the languages its bodies work in."""

    country: str
    languages: tuple[str, ...]
    weight: float


COUNTRY_PROFILES: tuple[CountryProfile, ...] = (
    CountryProfile("BE", ("fr", "nl"), 0.08),
    CountryProfile("BE", ("de",), 0.03),
    CountryProfile("FR", ("fr",), 0.16),
    CountryProfile("DE", ("de",), 0.16),
    CountryProfile("AT", ("de",), 0.04),
    CountryProfile("CH", ("de", "fr", "it"), 0.04),
    CountryProfile("NL", ("nl",), 0.07),
    CountryProfile("IT", ("it",), 0.10),
    CountryProfile("DK", ("da",), 0.05),
    CountryProfile("ES", ("es",), 0.09),
    CountryProfile("PL", ("pl",), 0.07),
    CountryProfile("IE", ("en",), 0.04),
    CountryProfile("GB", ("en",), 0.04),
    CountryProfile("LU", ("fr", "de"), 0.03),
)

INSTITUTION_KINDS: tuple[str, ...] = (
    "citizens_assembly",
    "permanent_citizens_dialogue",
    "deliberative_committee",
    "participatory_budget",
)
INSTITUTION_KIND_WEIGHTS: tuple[float, ...] = (0.5, 0.2, 0.2, 0.1)

THEMES: tuple[str, ...] = (
    "climate",
    "mobility",
    "housing",
    "health",
    "education",
    "democracy",
    "energy",
    "social",
)

# "Synthetic recommendation" and the theme words, per language: titles read naturally in the
# explorer yet cannot be mistaken for a real recommendation.
RECOMMENDATION_PREFIX: dict[str, str] = {
    "de": "Synthetische Empfehlung",
    "fr": "Recommandation synthétique",
    "nl": "Synthetische aanbeveling",
    "it": "Raccomandazione sintetica",
    "da": "Syntetisk anbefaling",
    "en": "Synthetic recommendation",
    "es": "Recomendación sintética",
    "pl": "Syntetyczna rekomendacja",
}

CYCLE_PREFIX: dict[str, str] = {
    "de": "Synthetische Bürgerversammlung",
    "fr": "Assemblée citoyenne synthétique",
    "nl": "Synthetisch burgerpanel",
    "it": "Assemblea sintetica",
    "da": "Syntetisk borgerting",
    "en": "Synthetic citizens' assembly",
    "es": "Asamblea ciudadana sintética",
    "pl": "Syntetyczny panel obywatelski",
}

THEME_WORDS: dict[str, tuple[str, ...]] = {
    # climate, mobility, housing, health, education, democracy, energy, social
    "de": ("Klima", "Mobilität", "Wohnen", "Gesundheit", "Bildung", "Demokratie", "Energie",
           "Soziales"),
    "fr": ("climat", "mobilité", "logement", "santé", "éducation", "démocratie", "énergie",
           "solidarité"),
    "nl": ("klimaat", "mobiliteit", "wonen", "gezondheid", "onderwijs", "democratie", "energie",
           "welzijn"),
    "it": ("clima", "mobilità", "abitare", "salute", "istruzione", "democrazia", "energia",
           "welfare"),
    "da": ("klima", "mobilitet", "bolig", "sundhed", "uddannelse", "demokrati", "energi",
           "social"),
    "en": ("climate", "mobility", "housing", "health", "education", "democracy", "energy",
           "social"),
    "es": ("clima", "movilidad", "vivienda", "salud", "educación", "democracia", "energía",
           "social"),
    "pl": ("klimat", "mobilność", "mieszkalnictwo", "zdrowie", "edukacja", "demokracja",
           "energia", "sprawy społeczne"),
}  # fmt: skip

LANGUAGES: tuple[str, ...] = tuple(RECOMMENDATION_PREFIX)

# "Synthetic summary", per language: a synthetic summary says what it is in its own words.
SUMMARY_PREFIX: dict[str, str] = {
    "de": "Synthetische Zusammenfassung",
    "fr": "Résumé synthétique",
    "nl": "Synthetische samenvatting",
    "it": "Riassunto sintetico",
    "da": "Syntetisk resumé",
    "en": "Synthetic summary",
    "es": "Resumen sintético",
    "pl": "Syntetyczne streszczenie",
}

# Everyday words a reader might search for, per theme (in THEMES order), so synthetic
# summaries exercise the multilingual search with words people type. Languages without a
# list use their theme word alone.
EVERYDAY_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "da": (("hedebølge", "træer", "oversvømmelse"), ("cykel", "bus", "cykelsti"),
           ("bolig", "husleje", "boliger"), ("læge", "hospital", "trivsel"),
           ("skole", "lærer", "elever"), ("valg", "borgerting", "høring"),
           ("solceller", "varme", "strøm"), ("ældre", "hjemløse", "fællesskab")),
    "de": (("Hitze", "Bäume", "Hochwasser"), ("Fahrrad", "Bus", "Radweg"),
           ("Wohnung", "Miete", "Wohnungen"), ("Arzt", "Krankenhaus", "Pflege"),
           ("Schule", "Lehrer", "Schüler"), ("Wahl", "Bürgerrat", "Beteiligung"),
           ("Solaranlage", "Heizung", "Strom"), ("Senioren", "Obdachlose", "Nachbarschaft")),
    "en": (("heatwave", "trees", "flooding"), ("bike", "bus", "cycle lane"),
           ("flat", "rent", "homes"), ("doctor", "hospital", "care"),
           ("school", "teacher", "pupils"), ("vote", "citizens' panel", "consultation"),
           ("solar panels", "heating", "electricity"), ("elderly", "homeless", "neighbourhood")),
    "fr": (("canicule", "arbres", "inondation"), ("vélo", "bus", "piste cyclable"),
           ("logement", "loyer", "logements"), ("médecin", "hôpital", "soins"),
           ("école", "enseignant", "élèves"), ("vote", "panel citoyen", "consultation"),
           ("panneaux solaires", "chauffage", "électricité"),
           ("aînés", "sans-abri", "voisinage")),
    "it": (("caldo", "alberi", "alluvione"), ("bicicletta", "autobus", "pista ciclabile"),
           ("casa", "affitto", "case"), ("medico", "ospedale", "cura"),
           ("scuola", "insegnante", "studenti"), ("voto", "assemblea", "consultazione"),
           ("pannelli solari", "riscaldamento", "elettricità"),
           ("anziani", "senzatetto", "quartiere")),
    "nl": (("hittegolf", "bomen", "overstroming"), ("fiets", "bus", "fietspad"),
           ("woning", "huur", "woningen"), ("dokter", "ziekenhuis", "zorg"),
           ("school", "leraar", "leerlingen"), ("stemmen", "burgerpanel", "inspraak"),
           ("zonnepanelen", "verwarming", "stroom"), ("ouderen", "daklozen", "buurt")),
}  # fmt: skip


def summary_text(language: str, theme: str) -> tuple[str, str]:
    """A synthetic summary and its keywords (separated by ';') in one language and theme."""
    word = theme_word(language, theme)
    everyday = EVERYDAY_WORDS.get(language, ((word,),) * len(THEMES))[THEMES.index(theme)]
    summary = f"{SUMMARY_PREFIX[language]}: {word} — {', '.join(everyday)}."
    return summary, "; ".join(everyday)


def _scale(vocabulary: str, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A canonical scale in its order, from data/vocabularies/scales.csv (the one definition)."""
    with (VOCABULARY_DIR / "scales.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["vocabulary"] == vocabulary]
    rows.sort(key=lambda r: int(r["order"]))
    return tuple(r["value"] for r in rows if r["value"] not in leave_out)


# What synthetic sources say: every status but "unknown", every stance but "pending" (an
# unanswered synthetic recommendation simply has no response row).
STATUS_SCALE: tuple[str, ...] = _scale("implementation", leave_out=("unknown",))
STANCE_SCALE: tuple[str, ...] = _scale("stance", leave_out=("pending",))
CONGRUENCE_SCALE: tuple[str, ...] = _scale("congruence")


def theme_word(language: str, theme: str) -> str:
    return THEME_WORDS[language][THEMES.index(theme)]


@cache
def _vocabulary_labels(path: Path) -> dict[tuple[str, str], str]:
    """First label of each (canonical value, language) in a vocabulary file."""
    labels: dict[tuple[str, str], str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels.setdefault((row["value"], row["language"]), row["label"])
    return labels


def label_for(vocabulary: str, value: str, language: str) -> str:
    """A source-style label for a canonical value: the vocabulary's own word in that language,
    else its English word, else the canonical value in plain words."""
    labels = _vocabulary_labels(VOCABULARY_DIR / f"{vocabulary}.csv")
    return labels.get((value, language)) or labels.get((value, "en")) or value.replace("_", " ")
