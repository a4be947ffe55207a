"""Names people type (team names and paths, metric keys, addresses): which characters cannot be seen, and finding
a typed name among the names Align owns. Pure."""

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from typing import TypeVar

from confusable_homoglyphs import categories, confusables

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
# Not default-ignorable, yet drawn as blank space (a Braille cell with no dots, a note head without a note): a name
# made of them, or ending in one, shows nothing. The Hangul fillers are default-ignorable already.
BLANK = frozenset({"\u2800", "\U0001d159"})
# ARABIC TATWEEL only stretches the letters it joins (فـريق is فريق drawn wider): names are compared without it.
STRETCH = frozenset({"\u0640"})
# ZERO WIDTH NON-JOINER and JOINER: Persian and Indic words and emoji sequences (👩‍💻) need them between letters.
JOINERS = frozenset({"\u200c", "\u200d"})
# Scripts (Unicode's Scripts.txt, as confusable_homoglyphs names them) whose letters join or form conjuncts, so a
# ZWJ or ZWNJ between two of their characters changes how the word is drawn: the cursive ones (Arabic and
# Persian, Syriac, N'Ko, Mongolian...) and the Brahmic ones with a virama (Devanagari, Bengali, Sinhala,
# Malayalam...). Between two Latin letters a joiner changes nothing that can be seen.
JOINING_SCRIPTS = frozenset(
    {
        *("ARABIC", "SYRIAC", "NKO", "MANDAIC", "MONGOLIAN", "PHAGS_PA", "MANICHAEAN", "PSALTER_PAHLAVI"),
        *("HANIFI_ROHINGYA", "SOGDIAN", "OLD_UYGHUR", "ADLAM", "CHORASMIAN"),
        *("DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM"),
        *("SINHALA", "TIBETAN", "MYANMAR", "KHMER", "BALINESE", "JAVANESE", "SUNDANESE", "BRAHMI", "KAITHI"),
        *("SHARADA", "TAKRI", "TIRHUTA", "GRANTHA", "NEWA", "MODI", "SIDDHAM", "CHAKMA", "LEPCHA", "LIMBU"),
        *("TAI_THAM", "BATAK", "BUGINESE", "MAKASAR", "SAURASHTRA", "SYLOTI_NAGRI", "MEETEI_MAYEK", "KHOJKI"),
        *("KHUDAWADI", "MAHAJANI", "DOGRA", "NANDINAGARI", "DIVES_AKURU", "ZANABAZAR_SQUARE", "SOYOMBO"),
        *("MASARAM_GONDI", "GUNJALA_GONDI", "BHAIKSUKI", "MARCHEN", "AHOM", "KAWI", "TAGALOG", "HANUNOO"),
    }
)
# Unicode's Extended_Pictographic (emoji-data.txt): what a ZWJ joins into one emoji (👩‍💻, 🏳️‍🌈, ❤️‍🔥).
PICTOGRAPHIC = (
    *((0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122), (0x2139, 0x2139)),
    *((0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328), (0x2388, 0x2388), (0x23CF, 0x23CF)),
    *((0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0)),
    *((0x25FB, 0x25FE), (0x2600, 0x2605), (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712)),
    *((0x2714, 0x2714), (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734)),
    *((0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757)),
    *((0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2934, 0x2935)),
    *((0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D)),
    *((0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F)),
    *((0x1F16C, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5)),
    *((0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F)),
    *((0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F)),
    *((0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F)),
    *((0x1F8AE, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD)),
)
# What may stand between an emoji and the ZWJ after it: a variation selector (❤️) or a skin tone (🧑🏽).
EMOJI_TRAILERS = ((0xFE0E, 0xFE0F), (0x1F3FB, 0x1F3FF))
# An emoji tag sequence (UTS #51 ED-14a): a pictograph, tag characters U+E0020–E007E, then U+E007F CANCEL TAG — the
# flags of England, Scotland and Wales (🏴 + "gbeng" in tags). The tags are default-ignorable, but the sequence
# draws a flag of its own, so they are seen there.
TAG_SEQUENCE = re.compile(
    "(?<=[{}])[\U000e0020-\U000e007e]+\U000e007f".format(
        "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in PICTOGRAPHIC)
    )
)
# A run of space separators (U+0020, no-break, em, ideographic...): browsers draw a run of spaces as one.
SPACE_RUN = re.compile(r"[^\S\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]{2,}")


def _within(char: str, ranges) -> bool:
    return any(low <= ord(char) <= high for low, high in ranges)


def ignorable(char: str) -> bool:
    """Return whether Unicode says a character is drawn as nothing (Default_Ignorable_Code_Point)."""
    return _within(char, IGNORABLE)


def _invisible(char: str, *, spaces: bool) -> bool:
    category = unicodedata.category(char)
    if spaces and category == "Zs":
        return True
    return (
        category in INVISIBLE_CATEGORIES
        or char in BLANK
        or (ignorable(char) and not _within(char, VARIATION_SELECTORS))
    )


def _script(text: str, index: int, step: int) -> str | None:
    """Return the script of the nearest character from index on (step -1: backwards) that is not a combining mark
    of no script of its own (an Arabic vowel sign is Inherited; a virama belongs to its script), or None."""
    while 0 <= index < len(text):
        script = categories.alias(text[index])
        if script != "INHERITED" or not unicodedata.category(text[index]).startswith("M"):
            return script
        index += step
    return None


def _joiner_needed(text: str, index: int) -> bool:
    """Return whether the ZWJ or ZWNJ at text[index] shapes what is drawn: after a virama, between two characters
    of one joining script (می‌خواهم, র‍্য), or, a ZWJ, between two pictographs of an emoji sequence (👩‍💻, 🧑🏽‍💻,
    🏳️‍🌈)."""
    if index > 0 and unicodedata.combining(text[index - 1]) == 9:
        return True  # after a virama, as IDNA 2008 allows it: a half form, a conjunct or a chillu (അവന്‍)
    if not 0 < index < len(text) - 1:
        return False
    before, after = _script(text, index - 1, -1), _script(text, index + 1, 1)
    if before == after and before in JOINING_SCRIPTS:
        return True
    if text[index] != "\u200d":
        return False
    base = index - 1
    while base > 0 and _within(text[base], EMOJI_TRAILERS):
        base -= 1
    return _within(text[base], PICTOGRAPHIC) and _within(text[index + 1], PICTOGRAPHIC)


def _tagged(text: str) -> frozenset[int]:
    """Return the indexes of text's characters that are the tags of an emoji tag sequence (a subdivision flag)."""
    return frozenset(index for found in TAG_SEQUENCE.finditer(text) for index in range(*found.span()))


def _drawn(text: str) -> str:
    """Return text without the characters drawn as nothing (default-ignorable ones but a flag's tags, BLANK ones,
    ARABIC TATWEEL)."""
    tagged = _tagged(text)
    return "".join(
        char for index, char in enumerate(text) if index in tagged or not (ignorable(char) or char in BLANK | STRETCH)
    )


def _unattached(text: str, index: int) -> bool:
    """Return whether text[index] is a combining mark or a variation selector with no character to attach to: first,
    or after a space. Alone it draws nothing, or a mark on a dotted circle (a name of U+FE0F alone read as empty)."""
    char = text[index]
    if not (unicodedata.category(char).startswith("M") or _within(char, VARIATION_SELECTORS)):
        return False
    return index == 0 or unicodedata.category(text[index - 1]) in ("Zs", "Zl", "Zp", "Cc")


def invisible_character(text: str, *, spaces: bool = False, joiners: bool = False) -> str | None:
    """Return the first character of text that cannot be seen, named for a message ("U+200B ZERO WIDTH SPACE"),
    or None.

    Invisible: a combining mark or variation selector with nothing before it to attach to (`_unattached`: a
    name of U+FE0F, U+0301 or U+180B alone), INVISIBLE_CATEGORIES, the default-ignorable characters (a Hangul
    filler too) but for variation selectors after a character, and BLANK ones (U+2800 BRAILLE PATTERN BLANK);
    with spaces, every space separator (an address holds none); with joiners, a ZWJ or ZWNJ is allowed where it
    shapes what is drawn (`_joiner_needed`: a Persian or Indic word, an emoji sequence), anywhere else
    (Data‍Team) it is invisible. The tags of a flag's tag sequence (🏴 England) are seen.
    """
    tagged = _tagged(text)
    for index, char in enumerate(text):
        if index in tagged:
            continue
        if _unattached(text, index):
            return f"U+{ord(char):04X} {unicodedata.name(char, 'a mark')}, with nothing before it to mark"
        if not _invisible(char, spaces=spaces):
            continue
        if joiners and char in JOINERS and _joiner_needed(text, index):
            continue
        return f"U+{ord(char):04X} {unicodedata.name(char, 'a control character')}"
    return None


def slash_like(text: str) -> str | None:
    """Return the first character of text that reads as the "/" team paths are split at, named for a message
    ("U+2215 DIVISION SLASH"), or None: "/" itself in any width (NFKC makes ／ a /) and every symbol or punctuation
    Unicode's confusables.txt (UTS #39) gives "/" as the prototype of (∕, ⁄, ⧸, ╱, ⟋, ᜵...). Letters drawn like a
    slash (Katakana ノ, the ideograph 丿) are letters of their words and stay."""
    for char in text:
        if "/" in unicodedata.normalize("NFKC", char) or char in _slashes():
            return f"U+{ord(char):04X} {unicodedata.name(char, char)}"
    return None


@cache
def _slashes() -> frozenset[str]:
    return frozenset(
        char for char in _prototypes() if _prototypes()[char] == "/" and not unicodedata.category(char).startswith("L")
    )


def _windows_1252(byte: int) -> str:
    """Return the character Windows-1252 reads a byte as; the five bytes it leaves undefined (0x81, 0x8D, 0x8F,
    0x90, 0x9D) Windows and Latin-1 read as the control character of the same number, so the 0x9D of Ý survives."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def _read_as(first: int, last: int) -> str:
    return "".join(re.escape(_windows_1252(byte)) for byte in range(first, last + 1))


_FOLLOWING = f"[{_read_as(0x80, 0xBF)}]"
# A UTF-8 sequence of two, three or four bytes as Windows-1252 shows it: a lead byte (Ã, â, ð...) then its
# continuation bytes (€ to ¿). Whether the bytes really are UTF-8 is decided by decoding them.
GARBLED_SEQUENCE = re.compile(
    f"[{_read_as(0xC2, 0xDF)}]{_FOLLOWING}|[{_read_as(0xE0, 0xEF)}]{_FOLLOWING}{{2}}|"
    f"[{_read_as(0xF0, 0xF4)}]{_FOLLOWING}{{3}}"
)


def _cp1252_bytes(text: str) -> bytes:
    """Return the bytes `_windows_1252` reads as this text (every character is one it reads a byte as)."""
    return bytes(
        ord(char) if ord(char) < 0x100 and _windows_1252(ord(char)) == char else char.encode("cp1252")[0]
        for char in text
    )


def _undone(sequence: str) -> str:
    try:
        return _cp1252_bytes(sequence).decode("utf-8")
    except UnicodeDecodeError:
        return sequence


def mojibake(text: str) -> str | None:
    """Return the text a cell most likely meant when parts of it read as UTF-8 decoded as Windows-1252 or Latin-1
    (Excel opening a CSV without a byte-order mark: ZoÃ« Ã˜rsted for Zoë Ørsted, Oâ€™Brien for O’Brien), undone
    as often as it was done; None when no part reads so.

    A part reads so when it is a UTF-8 lead byte as Windows-1252 shows it (Â to ô) followed by as many
    continuation bytes (€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ or NBSP¡¢…¿) as it announces, and those bytes decode. Names as
    people write them do not: no language writes one of those after an accented capital or à to ô, and a letter of
    another script (Ł, Σ, Д, 王) is not in Windows-1252 at all. A last lead byte after a garbled part is read with
    the no-break space that trimming the cell took off (à is C3 A0, Ã and a no-break space).
    """
    # A no-break space that trimming the cell took off its end (à is C3 A0: Ã and a no-break space; 𩴠 ends in A0
    # too) is put back when it completes a garbled sequence after text garbled already; alone, a last Â is a letter.
    meant = _undone_all(text)
    if _undone_all(text[:-1]) != text[:-1]:
        padded = GARBLED_SEQUENCE.sub(lambda match: _undone(match.group()), text + "\xa0")
        meant = meant if padded.endswith("\xa0") else _undone_all(padded)
    return meant if meant != text else None


def _undone_all(text: str) -> str:
    """Return a text with every garbled part undone, as often as it was garbled (ZoÃƒÂ« twice is Zoë)."""
    while True:
        undone = GARBLED_SEQUENCE.sub(lambda match: _undone(match.group()), text)
        if undone == text:
            return text
        text = undone


def mojibake_problem(text: str) -> str | None:
    """Return, for a message, why a typed name reads as garbled text (`mojibake`), or None."""
    meant = mojibake(text)
    if meant is None:
        return None
    return (
        f"“{text}” reads as “{meant}” garbled (its UTF-8 was read as Windows-1252, as Excel does with a CSV file "
        f"without a byte-order mark): type it as “{meant}”."
    )


def person_name_problem(name: str) -> str | None:
    """Return why a person's name (as `name_stored` keeps it) cannot be stored, for a message, or None: it is
    not garbled (`mojibake`), it is one line, and every character of it can be seen (a joiner only where a script
    or emoji needs it), as a team's name."""
    garbled = mojibake_problem(name)
    if garbled:
        return garbled
    broken = line_break_or_control(name)
    if broken:
        return f"The name holds a line break or control character ({broken}): write it on one line."
    hidden = invisible_character(name, joiners=True)
    if hidden:
        return f"The name contains a character that cannot be seen ({hidden}): type it again."
    return None


def line_break_or_control(text: str) -> str | None:
    """Return the first line break or control character of a person's name (Unicode categories Cc, Zl, Zp: a
    CR, LF, tab, U+2028), named for a message, or None. A name is one line: a lone CR in one split its row when
    a spreadsheet read the people export back."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return f"U+{ord(char):04X} {unicodedata.name(char, 'a control character')}"
    return None


def name_stored(text: str) -> str:
    """Return a name (a team's, a person's) as Align stores it: trimmed, in NFC (a letter typed as one character
    or as a letter and a combining mark is one spelling, so an import of the same name changes nothing), and a run
    of spaces as its first space, since a page draws a run as one: what is shown is what is stored and compared."""
    text = unicodedata.normalize("NFC", text.strip())
    return SPACE_RUN.sub(lambda run: run.group()[0], text)


def caseless(name: str) -> str:
    """Return the form two names share when Align tells them apart no further: Unicode's identifier caseless
    match (D147, NFKC_Casefold): characters drawn as nothing (and BLANK ones) dropped, compatibility forms folded
    (full-width Ｐｌａｔｆｏｒｍ is Platform, ﬁ is fi, a no-break space is a space), then case (ß is ss) and accents
    typed either way (É = E + U+0301); a run of spaces is one space, as a page draws it.
    """
    visible = _drawn(unicodedata.normalize("NFD", name))
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", folded.casefold()))


@cache
def _prototypes() -> dict[str, str]:
    """Return Unicode's confusables.txt (UTS #39) as a map from a character to the prototype it is drawn like
    (Cyrillic а → a, Greek ο → o, m → rn, ∕ → /), read from confusable_homoglyphs' copy of it.

    That copy links each line's two ends both ways, so the direction is restored: a prototype is never itself
    mapped (the data is idempotent), so each prototype with its characters is a star. The centre is the end
    linked to more than one character, or a prototype of several characters; a pair linked only to each other
    maps to the smaller, which tells the same names apart as the original direction would.
    """
    links: dict[str, set[str]] = {}
    for char, others in confusables.confusables_data.items():
        # Right-to-left characters are kept between left-to-right marks in the data, for display.
        links.setdefault(char.strip("\u200e\u200f"), set()).update(o["c"].strip("\u200e\u200f") for o in others)
    prototypes = {}
    for char, others in links.items():
        if len(char) != 1 or len(others) != 1:
            continue
        (other,) = others
        if len(other) != 1 or len(links.get(other, ())) > 1 or other < char:
            prototypes[char] = other
    # A prototype of several characters may hold one that a pair above maps ((日) for ㈰): resolve to the end.
    for _ in range(4):
        prototypes = {char: "".join(prototypes.get(c, c) for c in target) for char, target in prototypes.items()}
    return prototypes


# Keyboard letters the pages' sans-serif font draws alike: capital I, lower-case l and the vertical bar.
KEYBOARD_ALIKE = str.maketrans({"I": "l", "|": "l"})


def keyboard_skeleton(name: str) -> str:
    """Return the form two names share when they are drawn alike with their keyboard (ASCII) characters read as
    typed: each other character replaced by its confusables.txt prototype (Cyrillic а → a, Greek Ν → N), the
    keyboard letters a sans-serif font draws alike made one (I, l and | → l), then `caseless`.

    The prototype is taken of the character as spelt, before case is folded: Greek capital Ν is drawn as N, but
    its lower case ν as v, so "Team Ν" is not "Team V"."""
    kept = _drawn(unicodedata.normalize("NFD", name))
    mapped = "".join(char if char.isascii() else _prototypes().get(char, char) for char in kept)
    return caseless(mapped.translate(KEYBOARD_ALIKE))


def reading_keys(name: str) -> tuple[str, str]:
    """Return the keys by which Align says two names read the same (`look_alike`): (`caseless`,
    `keyboard_skeleton`). Two names read the same when they share either. The Teams page refuses a sibling by
    them and every importer finds a typed team path by them (`name_finder`), so what the one calls the same
    name, the others find."""
    return caseless(name), keyboard_skeleton(name)


def look_alike(name: str, other: str) -> bool:
    """Return whether two names read the same: they share a `reading_keys` key, by `caseless` (case, accents typed
    either way, full-width letters, invisible characters, runs of spaces), or by `keyboard_skeleton` (another
    script's look-alike letters and punctuation: Dаta Team with a Cyrillic а is Data Team, and so is dаta team;
    Zoë’s Team with a right single quotation mark is Zoë's Team; QA‑Test with a non-breaking hyphen is QA-Test).

    Keyboard (ASCII) characters are told apart as typed, whatever else the names hold: Modern and Modem, Team 11
    and Team II, Café Modern and Café Modem are teams people name on purpose, and every page draws them in a font
    that tells rn from m and 1 from I — but not capital I, lower-case l and | (AI, Al and A| Platform are drawn
    alike by the pages' sans-serif font), so those are one letter here. UTS #39's `skeleton` would map the
    keyboard's own m to rn too."""
    return any(key == other_key for key, other_key in zip(reading_keys(name), reading_keys(other), strict=True))


def drawn_alike(name: str) -> str:
    """Return the characters of a name that are not keyboard (ASCII) letters but UTS #39 draws like one, described
    for a message, such as "“а” is U+0430 CYRILLIC SMALL LETTER A"; "" when it has none (at most three named).
    The prototype itself is not named: confusables.txt draws Greek Ι, I and 1 all as "l", which would mislead."""
    described = [
        f"“{char}” is U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"
        for char in dict.fromkeys(unicodedata.normalize("NFC", name))
        if not char.isascii() and char in _prototypes()
    ]
    return "; ".join(described[:3]) + ("; …" if len(described) > 3 else "")


def name_finder(names: dict[str, V]) -> Callable[[str], V | None]:
    """Return a lookup of team paths or metric keys that finds a name as Align tells names apart.

    Align owns both: a metric key is unique as spelt, and team_save refuses a sibling team whose name reads the
    same as another's (`look_alike`, by `reading_keys`: case, Unicode normalisation, full-width letters,
    invisible characters, another script's look-alike letters, curly quotes and look-alike hyphens), though
    teams made before that may. So a spelling that is one name (in NFC) finds that name; another finds the one
    name it reads the same as by either key of `reading_keys`; one that reads the same as two names — NFC-equal
    names too — finds nothing, rather than a guess, so an export and import never move people silently. Every
    importer (people, metric CSV, the API, SCIM) finds typed names through this one lookup.
    """
    exact: dict[str, list[V]] = {}
    by_key: list[dict[str, list[int]]] = [{}, {}]
    values = list(names.values())
    for index, name in enumerate(names):
        exact.setdefault(unicodedata.normalize("NFC", name), []).append(values[index])
        for keys, key in zip(by_key, reading_keys(name), strict=True):
            keys.setdefault(key, []).append(index)

    def find(name: str) -> V | None:
        found = exact.get(unicodedata.normalize("NFC", name))
        if found is None:
            alike = {index for keys, key in zip(by_key, reading_keys(name), strict=True) for index in keys.get(key, ())}
            found = [values[index] for index in alike]
        return found[0] if len(found) == 1 else None

    return find


def path_example(paths: Iterable[str]) -> str | None:
    """Return a path of the organisation to show as an example of a team path: its first team with no sub-teams
    (in alphabetical order) that lies below another, so that the example shows a full path from the top-level
    team (Acme/Engineering/Platform); a top-level team when there is no other; None when there are no teams."""
    ordered = sorted(paths, key=caseless)
    parents = {path.rsplit("/", 1)[0] for path in ordered if "/" in path}
    leaves = [path for path in ordered if path not in parents]
    return next((path for path in leaves if "/" in path), next(iter(leaves), None))


def unknown_path_messages(paths: Iterable[str]) -> Callable[[str], str]:
    """Return a function giving the message for a typed team path that names no team, such as "There is no team
    “Engineering/Platform”; did you mean Acme/Engineering/Platform? (A path starts at the top-level team, such
    as Acme/Data/R&D.)", each typed path worked out once (a file may repeat one on every line).

    The suggestion is every path (up to three) whose last parts read as what was typed (`reading_keys`), so that a
    path typed without its top-level team finds the full one; failing that, the closest path by difflib
    (ignoring case and width) for the first CLOSEST_LOOKED_UP spellings, since each compares it with every path
    (a file of 20,000 lines of different unknown teams took minutes); none when nothing is close. The example is
    `path_example`.
    """
    paths = sorted(paths, key=caseless)
    example = path_example(paths)
    folded = {caseless(path): path for path in paths}
    by_tail: dict[int, dict[str, list[str]]] = {}  # parts → key of a path's last parts → the paths

    def tails(count: int) -> dict[str, list[str]]:
        if count not in by_tail:
            by_tail[count] = {}
            for path in paths:
                if path.count("/") >= count:
                    for key in set(reading_keys("/".join(path.split("/")[-count:]))):
                        by_tail[count].setdefault(key, []).append(path)
        return by_tail[count]

    looked_up = 0

    @cache
    def message(typed: str) -> str:
        nonlocal looked_up
        if example is None:
            return f"There is no team “{typed}”: the organisation has no teams yet (add them on the Teams page)."
        parts = [part.strip() for part in typed.strip().strip("/").split("/")]
        found = tails(len(parts))
        close = list(dict.fromkeys(path for key in reading_keys("/".join(parts)) for path in found.get(key, ())))
        if not close and looked_up < CLOSEST_LOOKED_UP:
            looked_up += 1
            close = [folded[near] for near in difflib.get_close_matches(caseless(typed), list(folded), n=1)]
        suggestion = f"; did you mean {' or '.join(sorted(close, key=caseless)[:3])}?" if close else "."
        return f"There is no team “{typed}”{suggestion} (A path starts at the top-level team, such as {example}.)"

    return message


# How many unknown spellings of one file are compared with every path for the closest one.
CLOSEST_LOOKED_UP = 100
