"""Vocabularies: map the words sources use to Uptake's canonical scales.

A label is matched without regard to case, accents or spacing, because clerks type
"En cours", "en  cours" and "EN COURS" for the same thing; an underscore counts as a space,
because APIs write their state keys that way ("not_answered" is the label "not answered").
An unmapped label returns None and the caller rejects the row: a status is never guessed.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ingest.paths import VOCABULARY_DIR

# Letters that Unicode does not decompose into a base letter plus an accent.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ß": "ss", "’": "'", "‘": "'"})


def normalise_label(label: str) -> str:
    """Case-, accent-, underscore- and whitespace-insensitive form of a label ("Mis en Œuvre"
    and "mis_en_oeuvre" are the same label)."""
    decomposed = unicodedata.normalize("NFKD", label.casefold().translate(LIGATURES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("_", " ").split())


@dataclass
class Vocabulary:
    name: str
    values: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)  # normalised label -> value

    def lookup(self, label: str) -> str | None:
        return self.labels.get(normalise_label(label))


@dataclass
class Vocabularies:
    by_name: dict[str, Vocabulary]
    directory: Path
    meanings: dict[tuple[str, str], str] = field(default_factory=dict)

    def scale_rows(self) -> list[dict[str, object]]:
        """Every scale value with its display order and meaning, as scales.csv gives them."""
        return [
            {
                "vocabulary": name,
                "value": value,
                "value_order": order,
                "meaning": self.meanings.get((name, value), ""),
            }
            for name, vocabulary in sorted(self.by_name.items())
            for order, value in enumerate(vocabulary.values, start=1)
        ]

    def get(self, name: str) -> Vocabulary:
        return self.by_name[name]

    def crosswalk(self) -> list[dict[str, str]]:
        """Every label with its canonical value, for the methodology page and exports."""
        rows: list[dict[str, str]] = []
        for name in sorted(self.by_name):
            path = self.directory / f"{name}.csv"
            if not path.exists():
                continue
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    rows.append(
                        {
                            "vocabulary": name,
                            "label": row["label"],
                            "language": row.get("language") or "",
                            "value": row["value"],
                            "note": row.get("note") or "",
                        }
                    )
        return rows


class VocabularyError(ValueError):
    """A vocabulary file that maps a label to a value outside its scale."""


def load_vocabularies(directory: Path = VOCABULARY_DIR) -> Vocabularies:
    scales: dict[str, list[str]] = {}
    meanings: dict[tuple[str, str], str] = {}
    with (directory / "scales.csv").open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["order"] or 0))
        for row in rows:
            scales.setdefault(row["vocabulary"], []).append(row["value"])
            meanings[(row["vocabulary"], row["value"])] = row.get("meaning") or ""
    by_name: dict[str, Vocabulary] = {}
    for name, values in scales.items():
        vocabulary = Vocabulary(name=name, values=tuple(values))
        for value in values:
            vocabulary.labels[normalise_label(value)] = value
        path = directory / f"{name}.csv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                for line, row in enumerate(csv.DictReader(handle), start=2):
                    if row["value"] not in values:
                        raise VocabularyError(
                            f"{path.name}:{line}:value: '{row['value']}' is not a value of "
                            f"the {name} scale ({', '.join(values)})"
                        )
                    label = normalise_label(row["label"])
                    earlier = vocabulary.labels.get(label)
                    if earlier is not None and earlier != row["value"]:
                        raise VocabularyError(
                            f"{path.name}:{line}:label: '{row['label']}' is already mapped "
                            f"to '{earlier}'; one label cannot mean two things"
                        )
                    vocabulary.labels[label] = row["value"]
        by_name[name] = vocabulary
    return Vocabularies(by_name=by_name, directory=directory, meanings=meanings)
