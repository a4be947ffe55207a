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


def text_typed(text: str) -> str:
    """Return posted free text (a comment, a message, an action, a note) ready to count, check and store.

    Line breaks become LF as typed (text_as_typed); control characters other than line breaks, tabs and NUL are
    removed (a pasted ESC or BEL shows as nothing on a page, yet would travel into exports); surrounding white
    space is stripped; and text that holds nothing visible (only spaces and format characters) becomes "".
    NUL is left for the caller to refuse: PostgreSQL cannot store it, and it is refused rather than hidden."""
    text = text_as_typed(text)
    if not text.isprintable():
        text = "".join(c for c in text if c in "\n\t\x00" or unicodedata.category(c) != "Cc")
    text = text.strip()
    if not text.isascii() and all(unicodedata.category(c) in UNSEEN_CATEGORIES for c in text if c != "\x00"):
        return "" if "\x00" not in text else text
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
