"""Email addresses from outside (the people import, the person form, password reset, logins). Pure.

One mailbox can be written many ways: in capitals, with full-width letters (ｅｘａｍｐｌｅ, NFKC makes them
ASCII), with an accent typed as a letter plus a combining mark (NFD), with an internationalised domain in Unicode
(bücher.de) or in the ASCII form mail servers use (xn--bcher-kva.de). Align stores an address in one spelling
(`stored`) and compares addresses by one key (`key`), so an import never takes a new spelling for a new person
and deactivates the old one. Invisible characters (a zero-width space pasted after an address, a soft hyphen in
a domain) change no mailbox a person can see and are refused rather than guessed away.
"""

import unicodedata

# RFC 5321: a local part holds at most 64 octets, a path 256, so an address at most 254 characters.
MAX_LOCAL = 64
# Control, format (zero-width space, soft hyphen, bidirectional marks), surrogate, private-use, unassigned and
# separator characters: none belongs in an address, and most cannot be seen.
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


def _domain_ascii(domain: str) -> str:
    """Return a domain in the ASCII form (IDNA), raising UnicodeError when it has no such form."""
    return domain.encode("idna").decode("ascii").lower()


def stored(raw: str) -> str:
    """Return the spelling an address is stored in: NFKC, lower case, an internationalised domain in Unicode."""
    local, at, domain = unicodedata.normalize("NFKC", raw.strip()).rpartition("@")
    if not at:
        return unicodedata.normalize("NFKC", raw.strip()).lower()
    try:
        domain = _domain_ascii(domain).encode("ascii").decode("idna")
    except UnicodeError:
        domain = domain.lower()
    return f"{local.lower()}@{domain}"


def key(address: str) -> str:
    """Return what two spellings of one mailbox share: NFKC and Unicode case folding, the domain as IDNA."""
    local, at, domain = unicodedata.normalize("NFKC", address.strip()).rpartition("@")
    if not at:
        return unicodedata.normalize("NFKC", address.strip()).casefold()
    try:
        domain = _domain_ascii(domain.casefold())
    except UnicodeError:
        domain = domain.casefold()
    return f"{local.casefold()}@{domain}"


def problem(raw: str, *, max_length: int) -> str | None:
    """Return why text is not an address Align can store (to be shown with it), or None.

    Checks what Django's validate_email does not: invisible characters, the local part's 64 characters, the
    column's length (max_length) and a domain without an IDNA form. Run validate_email as well.
    """
    text = raw.strip()
    for char in text:
        if unicodedata.category(char) in INVISIBLE:
            name = unicodedata.name(char, "a control character")
            return f"“{raw}” contains an invisible character (U+{ord(char):04X} {name}): type the address again."
    address = stored(text)
    local, _, domain = address.rpartition("@")
    if len(address) > max_length:
        return f"“{raw}” is longer than an address can be ({max_length} characters)."
    if len(local) > MAX_LOCAL:
        return f"“{raw}” has more than {MAX_LOCAL} characters before the @, more than an address can have."
    try:
        _domain_ascii(domain)
    except UnicodeError:
        return f"“{raw}” has a domain that cannot be written for mail servers (IDNA)."
    return None
