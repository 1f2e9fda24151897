"""The catalogue of area names the embedded default draws from, and the variant
spellings the ministry's lists use for some of them.

The variants are reference data (dbt seed ``ref_area_aliases``), so the pipeline
resolves list names through the seed, not through this module; ``alias_rows`` is how
the seed was made (``python -m dagster_project.generator.names > dbt/seeds/reference/ref_area_aliases.csv``)
and a test keeps the two in step.
"""

from __future__ import annotations

import csv
import sys

PREFIXES = (
    "Søndre", "Nørre", "Vester", "Øster", "Ege", "Bøge", "Ahorn", "Lærke", "Skov", "Sø", "Å", "Mølle",
    "Kær", "Hede", "Bakke", "Enge", "Fugle", "Rose", "Hvede", "Æble", "Lykke", "Solhøj", "Tranehøj",
    "Gellerup", "Tove", "Rønne", "Hjorte", "Ravns", "Stær", "Hasle", "Rød", "Grøn", "Bellahøj", "Tåstrup",
    "Vangs", "Fjord", "Strand", "Kirke", "Borg", "Krone", "Blåbær", "Tjørne", "Gløde", "Frydens", "Åby",
)
SUFFIXES = (
    "parken", "gården", "høj", "vang", "haven", "bakken", "engen", "lunden", "toften", "vænget",
    "marken", "gårdsparken", "bjerg", "planen", "husene", "kvarteret",
)


def catalogue() -> tuple[str, ...]:
    """Every area name the generator may use, in a fixed order."""
    names = []
    for prefix in PREFIXES:
        for suffix in SUFFIXES:
            name = prefix + suffix
            names.append(name[0].upper() + name[1:])
    return tuple(names)


_ASCII = (("å", "aa"), ("Å", "Aa"), ("ø", "oe"), ("Ø", "Oe"), ("æ", "ae"), ("Æ", "Ae"))


def variant(name: str) -> str:
    """The spelling a list uses: Danish letters written out, or the suffix split off."""
    if any(ch in name for ch in "æøåÆØÅ"):
        for danish, ascii_ in _ASCII:
            name = name.replace(danish, ascii_)
        return name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return f"{name[: -len(suffix)]}-{suffix.capitalize()}"
    return f"Boligområdet {name}"


def alias_rows() -> list[tuple[str, str]]:
    return [(variant(name), name) for name in catalogue()]


if __name__ == "__main__":
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["list_name", "register_name"])
    writer.writerows(alias_rows())
