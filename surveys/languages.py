"""The languages a person can read Align in, and reading a language as people and identity providers write it.

One list rules: `settings.LANGUAGES` (Django's codes, such as "en-gb" and "de"). A person's language
(`Person.language`) and a question's translations (`QuestionTranslation.language`) are codes of that list; blank
on a person means the organisation's default, `settings.LANGUAGE_CODE`.

Spellings are read from Django's own language data (`django.conf.locale.LANG_INFO`, and the language names in
Django's catalogues of every language of the list), so "de", "de-DE", "de_AT", "German", "Deutsch", "allemand"
and "Alemán" are all de: a tag is matched by its first subtag (BCP 47, RFC 5646 §2.1) and a name in any case,
with or without its accents.
"""

import difflib
import re
import unicodedata
from functools import cache

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.utils import translation

# A language tag as RFC 5646 writes it (letters, then subtags of letters and digits), with "_" accepted between
# subtags as RFC 7643 §4.1.1 allows for backward compatibility ("de_DE").
TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
# One Accept-Language range with an optional weight (RFC 9110 §12.5.4): "de-CH", "en;q=0.8", "*;q=0.1".
RANGE = re.compile(
    r"\s*(\*|[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*)\s*(?:;\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?))?\s*"
)


def codes() -> list[str]:
    """Return the codes of the languages Align speaks, in `settings.LANGUAGES` order (the default first is not
    promised: read `settings.LANGUAGE_CODE` for that)."""
    return [code for code, _ in settings.LANGUAGES]


def choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs of `settings.LANGUAGES`, each named in its own language."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def person_choices() -> list[tuple[str, str]]:
    """Return the choices of a person's language: blank (the organisation's default, named) then `choices()`."""
    return [("", f"The organisation's default ({name(default())})"), *choices()]


def name(code: str) -> str:
    """Return a language's name as `settings.LANGUAGES` gives it ("Deutsch"), or the code if it is not listed."""
    return dict(choices()).get(code, code)


def html_lang(code: str) -> str:
    """Return a Django language code as an HTML `lang` value (BCP 47 casing: "en-gb" is "en-GB")."""
    first, _, rest = code.partition("-")
    return first.lower() + ("-" + rest.upper() if len(rest) == 2 else "-" + rest if rest else "")


def of_person(person) -> str:
    """Return the language a person's emails and messages are written in: theirs, else the default."""
    return person.language or default()


def default() -> str:
    """Return the organisation's default language: `settings.LANGUAGE_CODE`."""
    return settings.LANGUAGE_CODE


def _folded(text: str) -> str:
    """Return text as spellings are compared: accents off, case folded, spaces and "_" as "-" at most once."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", "-", bare.strip()).casefold()


def tag_read(tag: str) -> str | None:
    """Return the code Align reads a language tag as ("de-DE", "de_DE", "DE" are de; "en-US" is en-gb when English
    is only British English here), or None when no listed language has the tag's first subtag."""
    folded = _folded(tag)
    if not TAG.fullmatch(folded):
        return None
    listed = codes()
    if folded in listed:
        return folded
    primary = folded.split("-")[0]
    same = [code for code in listed if code.split("-")[0] == primary]
    return primary if primary in same else (same[0] if same else None)


@cache
def _spellings(languages: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Return every name Align reads as each listed language (folded by `_folded`) → its code. Cached per list."""
    found: dict[str, str] = {}
    for code, own in languages:
        primary = code.split("-")[0]
        infos = [LANG_INFO.get(code, {}), LANG_INFO.get(primary, {})]
        words = {str(own), *(info.get(key, "") for info in infos for key in ("name", "name_local"))}
        for reader, _ in languages:
            with translation.override(reader):
                words |= {str(translation.gettext(info["name"])) for info in infos if info.get("name")}
        for word in words:
            if word:
                found.setdefault(_folded(word), code)
    return found


def spellings() -> dict[str, str]:
    """Return the names Align reads as a language (folded) → its code: its own, English and every listed
    language's name for it ("deutsch", "german", "allemand", "aleman" → de)."""
    return _spellings(tuple((code, str(label)) for code, label in settings.LANGUAGES))


def language_read(text: str) -> str | None:
    """Return the code a cell or form value names ("de", "de-DE", "German", "Deutsch" → "de"), "" for a blank
    one (the organisation's default), or None when it names no listed language."""
    if not text.strip():
        return ""
    return spellings().get(_folded(text)) or tag_read(text)


def language_problem(text: str) -> str:
    """Return why a value names no language Align speaks, with the closest spelling ("did you mean de
    (Deutsch)?") when one is close; "" when `language_read` reads it."""
    if language_read(text) is not None:
        return ""
    listed = ", ".join(f"{code} ({label})" for code, label in choices())
    close = difflib.get_close_matches(_folded(text), list(spellings()), n=1, cutoff=0.7)
    meant = f" Did you mean {spellings()[close[0]]} ({name(spellings()[close[0]])})?" if close else ""
    return (
        f"“{text}” is not a language Align speaks: use one of {listed}, or leave it empty for the organisation's "
        f"default.{meant}"
    )


def validate_language(value: str) -> None:
    """Refuse a stored language that is not a code of `settings.LANGUAGES` (blank is the default)."""
    if value and value not in codes():
        raise ValidationError(f"“{value}” is not one of {', '.join(codes())}.")


class AcceptLanguageInvalid(ValueError):
    """A value that is not an Accept-Language list (RFC 9110 §12.5.4)."""


def accept_language_read(value: str) -> str:
    """Return the listed language an Accept-Language value prefers most ("fr-CH, de;q=0.9" → fr; higher weights
    first, then the order given; a weight of 0 means "not this"), or "" when it names none Align speaks.

    SCIM's preferredLanguage has this form (RFC 7643 §4.1.1). Raises AcceptLanguageInvalid for a value that is
    not such a list.
    """
    ranges = []
    for position, part in enumerate(value.split(",")):
        if not part.strip():
            continue
        found = RANGE.fullmatch(part)
        if not found:
            raise AcceptLanguageInvalid(f"“{part.strip()}” is not a language range such as de-DE or en;q=0.8.")
        weight = float(found.group(2)) if found.group(2) is not None else 1.0
        ranges.append((-weight, position, found.group(1)))
    if not ranges:
        raise AcceptLanguageInvalid("The value names no language.")
    for weight, _, tag in sorted(ranges):
        code = tag_read(tag) if tag != "*" and weight < 0 else None
        if code:
            return code
    return ""
