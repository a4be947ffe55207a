"""How the API reads request bodies."""

import codecs
import json
import math
import re
from decimal import Decimal, InvalidOperation

from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

# An ISO 8601 calendar date and time, as RFC 3339 (OpenAPI's date-time) writes it — T and Z in either case (RFC 3339
# §5.6) — and with the spellings Django reads besides (a space for the T, minutes without seconds, +0200 or +02): the
# time zone group is optional here only so that a time without one can be refused by name. Week dates (2026-W13-1),
# ordinal and compact dates and a date alone, which Python's fromisoformat also reads, are not date-times. The API
# and the GitHub webhook read times by this one rule.
DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?", re.ASCII
)


def unstorable_text(value, *, nul: bool = True) -> str | None:
    """Return why a decoded JSON value holds text PostgreSQL cannot store (text, varchar, jsonb), and where,
    or None. nul=False leaves NUL to the fields that read the value (DRF's CharField refuses it by name).

    JSON may escape any code unit: "\\u0000" decodes to NUL, which PostgreSQL's text refuses, and a lone
    "\\ud800" to a surrogate, which is not a character and cannot be encoded as UTF-8. Keys are checked too.
    """
    pending = [(value, "")]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            at = f" (at {where.lstrip('.')})" if where else ""
            if nul and "\x00" in item:
                return f"it contains a NUL character (\\u0000){at}, which cannot be stored"
            if any("\ud800" <= char <= "\udfff" for char in item):
                return (
                    f"it contains a lone surrogate (such as \\ud800){at}, which is not a character and cannot be stored"
                )
        elif isinstance(item, dict):
            pending.extend((key, f"{where}.{key!r} (a key)") for key in item)
            pending.extend((child, f"{where}.{key}") for key, child in item.items())
        elif isinstance(item, list):
            pending.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
    return None


# Python reads at most 4,300 digits into an int (sys.get_int_max_str_digits) and raises a plain ValueError beyond.
MAX_INTEGER_DIGITS = 4300


class JsonNumberError(ValueError):
    """A JSON number that cannot be read or kept: the message says which, and why."""


def json_integer(text: str) -> int:
    """Return a JSON integer ("-12"), or raise JsonNumberError for one of more than MAX_INTEGER_DIGITS digits."""
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise JsonNumberError(f"a number has {digits:,} digits, and at most {MAX_INTEGER_DIGITS:,} can be read")
    return int(text)


def json_finite(text: str) -> float:
    """Return a JSON number with a fraction or exponent ("1.5e3") as a float, or raise JsonNumberError for one
    beyond a float's range (1e400): JSON columns cannot keep the infinity it would become."""
    number = float(text)
    if math.isinf(number):
        raise JsonNumberError(f"the number {text[:40]}{'…' if len(text) > 40 else ''} is too large to keep")
    return number


class JsonNumber(float):
    """A JSON number with a fraction or exponent, keeping the text it was written as: `1e-400` reads as the float
    0.0, and only the text tells that it was not 0 (`feedback/stored_numbers.py` then refuses it)."""

    text: str

    def __new__(cls, text: str):
        number = super().__new__(cls, text)
        number.text = text
        return number


class JsonKeyError(ValueError):
    """A JSON object that names one key twice: the message says which."""


def json_object(pairs: list[tuple[str, object]]) -> dict:
    """Return a JSON object's pairs as a dict, or raise JsonKeyError for a key given twice: Python keeps the last
    ("value": 1, "value": 2 is 2) where other readers keep the first, so the sender's meaning is unknown."""
    data = dict(pairs)
    if len(data) < len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise JsonKeyError(f"the key “{twice[:100]}” appears twice in one object; send it once")
    return data


def content_encoding_problem(headers) -> str | None:
    """Return why a request's body cannot be read for its Content-Encoding (gzip, br, …: a compressed body), or None
    for none or identity. Align reads bodies as sent; a proxy in front of it may decompress them."""
    encoding = (headers.get("Content-Encoding") or "").strip()
    if encoding.lower() in ("", "identity"):
        return None
    return f"The body has Content-Encoding: {encoding[:40]}, which Align does not read: send the JSON uncompressed"


def _utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name == "utf-8"


class JsonParser(JSONParser):
    """DRF's JSON parser, keeping each number's text (JsonNumber), refusing an integer too long to read
    (json_integer), a key given twice (json_object), text PostgreSQL cannot store (unstorable_text) and a body
    nested too deep to read like any other bad JSON: Python's decoder raises RecursionError for it, which DRF lets
    through as a 500. A UTF-8 body may begin with a byte order mark, as the webhook accepts (Windows tools write
    one); a compressed body (Content-Encoding) is refused with 415 naming the header."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        problem = content_encoding_problem(request.headers) if request is not None else None
        if problem:
            raise UnsupportedMediaType(media_type, detail=f"{problem}.")
        encoding = get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader("utf-8-sig" if _utf8(encoding) else encoding)(stream),
                parse_constant=strict_constant,
                parse_float=JsonNumber,
                parse_int=json_integer,
                object_pairs_hook=json_object,
            )
        except JsonKeyError as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        problem = unstorable_text(data, nul=False)  # a NUL is refused by the field that reads it
        if problem:
            raise ParseError(f"The body cannot be stored: {problem}.")
        return data


# An id of 100 digits is as long as a stored id can be (the external_id columns hold 100 characters).
LONGEST_ID_DIGITS = 100


def identifier_text(value) -> str:
    """Return an identifier sent in JSON (a deployment's or incident's id) as the text its owner means, or raise
    ValueError saying why it is none.

    Text is kept as sent. A number is an id only when whole, and is its digits: 12345, 12345.0 and 1.2345e4 are one
    id, "12345" (a JSON int and the float a client's language made of it), where str() kept "12345" and "12345.0"
    as two. A fraction (12345.5), true/false, null, a list or an object is no id.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = json.dumps(value)[:40] if value is None or isinstance(value, bool) else type(value).__name__
        raise ValueError(f"an id is text or a whole number, not {shown}")
    try:
        number = Decimal(value.text) if isinstance(value, JsonNumber) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValueError("an id is text or a whole number") from None
    if not number.is_finite() or number.adjusted() >= LONGEST_ID_DIGITS:
        raise ValueError(f"an id of more than {LONGEST_ID_DIGITS} digits is not kept")
    if number != number.to_integral_value():
        raise ValueError(f"the id {value.text if isinstance(value, JsonNumber) else value} is not a whole number")
    return str(int(number))
