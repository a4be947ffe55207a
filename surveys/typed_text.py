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


# What a text box shows as nothing: spaces, and format characters such as U+200B ZERO WIDTH SPACE or U+FEFF.
UNSEEN_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
# Removed from free text: the bidirectional embeddings and overrides (U+202A-U+202E), which make a reader's
# screen show letters in another order than they were written ("ok \u202egnp.exe" shows as "ok exe.png"; Unicode's
# UAX #9 has isolates and marks for real right-to-left text, and those are kept), and U+FEFF, a byte-order mark
# pasted in the middle of text, which shows as nothing. Unicode's line and paragraph separators become line breaks.
REMOVED = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\ufeff")) | {0x2028: "\n", 0x2029: "\n"}


def text_typed(text: str) -> str:
    """Return posted free text (a comment, a message, an action, a note) ready to count, check and store.

    Line breaks become LF as typed (text_as_typed), and so do U+2028 and U+2029; control characters other than
    line breaks and tabs are removed, NUL included (a pasted ESC, BEL or NUL shows as nothing on a page, yet
    would travel into exports, and PostgreSQL cannot store NUL); so are the bidirectional overrides and
    embeddings and U+FEFF (REMOVED); surrounding white space is stripped; and text that holds nothing visible
    (only spaces and format characters) becomes ""."""
    text = text_as_typed(text)
    if not text.isprintable():
        text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
        text = text.translate(REMOVED)
    text = text.strip()
    if not text.isascii() and all(unicodedata.category(c) in UNSEEN_CATEGORIES for c in text):
        return ""
    return text


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
