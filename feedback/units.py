"""A metric's unit as typed, stored and compared. Pure.

A share in per cent is the one unit Align reads values by (`services.metrics.measured_in_percent`: a cell may end in
%, a value must lie between 0 and 100), so each way people write it is that unit: "%", the full-width ％ and small
﹪ (NFKC makes them %), the Arabic percent sign ٪, and the word "percent" or "per cent" in any case. Every other unit
is kept as typed, trimmed ("m²" stays m², not NFKC's m2).
"""

import unicodedata

PERCENT = "%"
PERCENT_SPELLINGS = frozenset({"%", "\u066a", "percent", "per cent"})


def percent_spelling(unit: str) -> bool:
    """Return whether a unit, as typed, is a way of writing "%"."""
    folded = " ".join(unicodedata.normalize("NFKC", unit).split()).casefold()
    return folded in PERCENT_SPELLINGS


def unit_stored(unit: str) -> str:
    """Return a unit as a metric definition stores it: "%" for every way of writing it, else trimmed as typed."""
    return PERCENT if percent_spelling(unit) else unit.strip()
