"""Names people type (team names and paths, metric keys, addresses): which characters cannot be seen, and finding
a typed name among the names Align owns. Pure."""

import unicodedata
from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")

# Control, format (zero-width space, soft hyphen, bidirectional controls, joiners), surrogate, private-use,
# unassigned, line and paragraph separators: none can be seen, so two names differing by one look the same.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): what renderers draw as nothing.
IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Variation selectors choose how the character before them is drawn (❤ as an emoji): drawn, not invisible.
VARIATION_SELECTORS = ((0x180B, 0x180D), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
# ZERO WIDTH NON-JOINER and JOINER: Persian and Indic words and emoji sequences (👩‍💻) need them between letters.
JOINERS = frozenset({"\u200c", "\u200d"})


def _within(char: str, ranges) -> bool:
    return any(low <= ord(char) <= high for low, high in ranges)


def ignorable(char: str) -> bool:
    """Return whether Unicode says a character is drawn as nothing (Default_Ignorable_Code_Point)."""
    return _within(char, IGNORABLE)


def _invisible(char: str, *, spaces: bool) -> bool:
    category = unicodedata.category(char)
    if spaces and category == "Zs":
        return True
    return category in INVISIBLE_CATEGORIES or (ignorable(char) and not _within(char, VARIATION_SELECTORS))


def invisible_character(text: str, *, spaces: bool = False, joiners: bool = False) -> str | None:
    """Return the first character of text that cannot be seen, named for a message ("U+200B ZERO WIDTH SPACE"),
    or None.

    Invisible: INVISIBLE_CATEGORIES and the default-ignorable characters (a Hangul filler too) but for variation
    selectors; with spaces, every space separator (an address holds none); with joiners, a ZWJ or ZWNJ between
    two visible, non-space characters is allowed (the word or emoji needs it), anywhere else it is invisible.
    """
    for index, char in enumerate(text):
        if not _invisible(char, spaces=spaces):
            continue
        if joiners and char in JOINERS and 0 < index < len(text) - 1:
            around = text[index - 1] + text[index + 1]
            if not any(_invisible(c, spaces=True) or c.isspace() for c in around):
                continue
        return f"U+{ord(char):04X} {unicodedata.name(char, 'a control character')}"
    return None


def caseless(name: str) -> str:
    """Return the form two names share when Align tells them apart no further: Unicode's identifier caseless
    match (D147, NFKC_Casefold): characters drawn as nothing dropped, compatibility forms folded (full-width
    Ｐｌａｔｆｏｒｍ is Platform, ﬁ is fi), then case (ß is ss) and accents typed either way (É = E + U+0301).
    """
    visible = "".join(char for char in unicodedata.normalize("NFD", name) if not ignorable(char))
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return unicodedata.normalize("NFKC", folded.casefold())


def name_finder(names: dict[str, V]) -> Callable[[str], V | None]:
    """Return a lookup of team paths or metric keys that finds a name as Align tells names apart.

    Align owns both: a metric key is unique as spelt, and team_save refuses a sibling team whose name
    matches another's by `caseless` (case, Unicode normalisation, full-width letters, invisible characters),
    though teams made before that may. So a spelling that is one name (in NFC) finds that name; another
    finds the one name it matches by `caseless`; two names that match — NFC-equal names too — find nothing,
    rather than a guess, so an export and import never move people silently. Every importer (people, metric
    CSV, the API) finds typed names through this one lookup.
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
