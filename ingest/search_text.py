"""How search reads text: words, Snowball stems per language, and language-aware folding.

The same functions analyse the snapshot's texts when the index is built and the reader's
query when it is searched, so the two always agree. A document is stemmed in its own language;
a query's language is unknown (a Dane and an Italian use the same box), so every query word is
stemmed with every analysed language's stemmer, and also kept as typed, and any of those
forms may match.

Folding comes after stemming, because the stemmers know their letters (the Danish one strips
"-ne" from "grønne", the German one reads "ue" as "ü"): ø→o, æ→ae, å→a, ß→ss, œ→oe, ä/ö/ü and
accents dropped. Danish "å" is also indexed as its old spelling "aa", so "Aarhus" finds "Århus".

Danish, Dutch and German drop the "e" of a final -el/-en/-er before an ending ("cykel",
"cykler"); their Snowball stems then differ ("cykel", "cykl") and neither is a prefix of the
other. The query side adds the other form of such a stem (syncope "cykel"→"cykl", and
"cykl"→"cykel" back), so the index keeps one term per word form and stays as small as it is.
Prefix matching (a query stem of at least four letters matches longer terms) then joins a word
to its compounds: "klima" finds "Klimaborgerting", "sans-abri" finds "sans-abrisme".
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer  # PyStemmer: the Snowball stemmers, compiled

# The languages the assemblies work in, with their Snowball algorithm.
STEMMERS: dict[str, str] = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "fr": "french",
    "it": "italian",
    "nl": "dutch",
}
# Languages whose stems alternate -el/-er/-en with -l/-r/-n ("cykel", "cykler").
SYNCOPE_LANGUAGES = ("da", "de", "nl")
MAX_QUERY_WORDS = 12
MAX_WORD_LENGTH = 60

# A word: letters and digits (Unicode), apostrophes and hyphens split it.
_WORD = re.compile(r"[^\W_]+")
# A surface word as the reader sees it: letters, digits and inner hyphens ("sans-abrisme").
_SURFACE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
_SYNCOPE = re.compile(r"^(.*[^aeiouyæøå])e([lnr])$")
_EPENTHESIS = re.compile(r"^(.*[^aeiouyæøå])([lnr])$")


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMERS[language])


def fold(text: str) -> str:
    """Lowercase, letters folded to plain Latin: "Grøn" → "gron", "Mobilità" → "mobilita"."""
    lowered = text.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_variants(term: str) -> set[str]:
    """The folded term, plus the "aa" spelling of Danish "å"."""
    variants = {fold(term)}
    if "å" in term:
        variants.add(fold(term.replace("å", "aa")))
    return variants


def words(text: str) -> list[tuple[str, str]]:
    """(word, surface word) pairs in reading order: each word of a hyphenated compound with
    the whole compound as the surface a reader would recognise."""
    pairs: list[tuple[str, str]] = []
    for surface in _SURFACE.finditer(text):
        shown = surface.group()[:MAX_WORD_LENGTH]
        for word in _WORD.findall(shown):
            if len(word) > 1:
                pairs.append((word.lower(), shown))
    return pairs


@cache
def document_terms(word: str, languages: tuple[str, ...]) -> frozenset[str]:
    """The index terms of one lowercase word of a text written in `languages`: its stem in
    each analysed language (also of its unaccented spelling, which a reader may type),
    folded; the folded word itself when no language of the text has a stemmer."""
    stemmed = [lang for lang in languages if lang in STEMMERS]
    if not stemmed:
        return frozenset(_fold_variants(word))
    terms: set[str] = set()
    plain = fold(word)
    for lang in stemmed:
        stemmer = _stemmer(lang)
        terms |= _fold_variants(stemmer.stemWord(word))
        terms |= _fold_variants(stemmer.stemWord(plain))
    return frozenset(terms)


def _alternations(stem: str) -> set[str]:
    """The other form of a stem whose final -el/-en/-er loses its e ("cykel" ↔ "cykl")."""
    if len(stem) < 4:
        return set()
    if match := _SYNCOPE.match(stem):
        return {match.group(1) + match.group(2)}
    if match := _EPENTHESIS.match(stem):
        return {match.group(1) + "e" + match.group(2)}
    return set()


def query_candidates(word: str) -> list[str]:
    """Every form one query word may take in the index, in a stable order: the word as typed
    (folded) and its stem in each analysed language, with the Germanic -el/-er alternation."""
    word = word.lower()
    plain = fold(word)
    found = {plain}
    for lang in STEMMERS:
        stemmer = _stemmer(lang)
        stems = {fold(stemmer.stemWord(word)), fold(stemmer.stemWord(plain))}
        found |= stems
        if lang in SYNCOPE_LANGUAGES:
            for stem in stems:
                found |= _alternations(stem)
    return sorted(found)


def query_terms(text: str) -> list[list[str]]:
    """The query as the search macro takes it: one list of candidate terms per distinct word."""
    seen: list[str] = []
    for word, _surface in words(text):
        if word not in seen:
            seen.append(word)
    return [query_candidates(word) for word in seen[:MAX_QUERY_WORDS]]
