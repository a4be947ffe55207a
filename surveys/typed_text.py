"""Text as browsers send and count it. Pure: strings in, strings and numbers out.

A text area's `maxlength` counts a line break as one character and a character beyond the Basic Multilingual
Plane as two (UTF-16 code units), while the form submit sends each line break as CRLF. The server counts the
same way, so whatever the box lets a person type is accepted, and nothing longer.
"""

import unicodedata


def text_as_typed(text: str) -> str:
    """Return posted text with its line breaks as the page held them: a browser counts a line break as one
    character towards a text area's maxlength but sends it as CRLF, so CRLF and a lone CR become LF before
    anything is counted or stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def typed_length(text: str) -> int:
    """Return the length a browser's maxlength gives text: UTF-16 code units, so a character beyond the Basic
    Multilingual Plane (an emoji, a rare CJK character) counts two where Python's len() counts one."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def text_stored(text: str) -> str:
    """Return text as it is stored: in NFC, so a letter typed as one character or as a letter and a combining
    mark is kept the same, and how a comment was written does not tell one keyboard or device from another."""
    return unicodedata.normalize("NFC", text)
