"""Finding a name people typed among the names Align owns (team paths, metric keys). Pure."""

import unicodedata
from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")


def caseless(name: str) -> str:
    """Return the form two names share when Align tells them apart no further: Unicode's canonical caseless
    match (D145), NFD(casefold(NFD(name)))."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def name_finder(names: dict[str, V]) -> Callable[[str], V | None]:
    """Return a lookup of team paths or metric keys that finds a name as Align tells names apart.

    Align owns both: a metric key is unique as spelt, and team_save refuses a sibling team whose name
    differs only in case or Unicode normalisation (É as one character or as E and an accent), though teams
    made before that (or in the admin) may. So a spelling that is one name (in NFC) finds that name; another
    finds the one name it matches ignoring case (Unicode case folding); two names that match — NFC-equal
    names too — find nothing, rather than a guess, so an export and import never move people silently.
    """
    exact: dict[str, list[V]] = {}
    folded: dict[str, list[V]] = {}
    for name, value in names.items():
        exact.setdefault(unicodedata.normalize("NFC", name), []).append(value)
        folded.setdefault(caseless(name), []).append(value)

    def find(name: str) -> V | None:
        name = unicodedata.normalize("NFC", name)
        found = exact.get(name) or folded.get(caseless(name), [])
        return found[0] if len(found) == 1 else None

    return find
