"""How the API reads request bodies."""

import codecs
import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant


class JsonNumber(float):
    """A JSON number with a fraction or exponent, keeping the text it was written as: `1e-400` reads as the float
    0.0, and only the text tells that it was not 0 (`feedback/stored_numbers.py` then refuses it)."""

    text: str

    def __new__(cls, text: str):
        number = super().__new__(cls, text)
        number.text = text
        return number


class JsonParser(JSONParser):
    """DRF's JSON parser, keeping each number's text (JsonNumber), and refusing a body nested too deep to read
    like any other bad JSON: Python's decoder raises RecursionError for it, which DRF lets through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            return json.load(codecs.getreader(encoding)(stream), parse_constant=strict_constant, parse_float=JsonNumber)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
