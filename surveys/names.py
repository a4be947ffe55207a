"""Finding a name people typed among the names Align owns (team paths, metric keys). Pure."""

import unicodedata
from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")


def _caseless(name: str) -> str:
    # Unicode's canonical caseless match (D145): NFD(casefold(NFD(name))).
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def name_finder(names: dict[str, V]) -> Callable[[str], V | None]:
    """Return a lookup of team paths or metric keys that finds a name as Align tells names apart.

    Align owns both: a metric key is unique as spelt, and team_save refuses a sibling team whose name
    differs only in case, though teams made before that (or in the admin) may. So a spelling that is a
    name finds that name; another finds the one name it matches ignoring case (Unicode case folding), or
    nothing, rather than a guess, when it matches two.
    """
    exact = {unicodedata.normalize("NFC", name): value for name, value in names.items()}
    caseless: dict[str, list[V]] = {}
    for name, value in names.items():
        caseless.setdefault(_caseless(name), []).append(value)

    def find(name: str) -> V | None:
        name = unicodedata.normalize("NFC", name)
        if name in exact:
            return exact[name]
        found = caseless.get(_caseless(name), [])
        return found[0] if len(found) == 1 else None

    return find
