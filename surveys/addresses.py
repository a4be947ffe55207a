"""Email addresses from outside (the people import, the person form, password reset, logins, the Django admin). Pure.

One mailbox can be written many ways: in capitals, with full-width letters (ｅｘａｍｐｌｅ, NFKC makes them
ASCII), with an accent typed as a letter plus a combining mark (NFD), with an internationalised domain in Unicode
(bücher.de) or in the ASCII form mail servers use (xn--bcher-kva.de). Align stores an address in one spelling
(`stored`) and compares addresses by one key (`key`), so an import never takes a new spelling for a new person
and deactivates the old one. Domains are read as registries and mail software read them, by IDNA 2008 with
UTS #46 non-transitional mapping: straße.de (xn--strae-oqa.de) and strasse.de are two domains, as are σοφίας.gr
and σοφίασ.gr; a typed domain is never rewritten into another. Invisible characters (a zero-width space pasted
after an address, a soft hyphen in a domain) change no mailbox a person can see and are refused rather than
guessed away; a joiner that IDNA 2008 allows in its place (after a virama) is kept. The part before the @ must be
ASCII: Django's validator and its mail sending (no SMTPUTF8) cannot carry any other. Mail leaves with the domain
in its A-labels (`for_mail`), and an address's limits (254 characters, a domain's 253) are counted in that form.
"""

import unicodedata

import idna

from . import names

# RFC 5321: a local part holds at most 64 octets, a path 256, so an address at most 254 characters.
MAX_LOCAL = 64
MAX_ADDRESS = 254
MAX_DOMAIN = 253  # RFC 1035 §2.3.4 and RFC 1123: 255 octets on the wire, 253 characters written out
ASCII_LOCAL_ONLY = "Align accepts only addresses whose part before the @ is ASCII"


def _labels_ascii(domain: str) -> str:
    """Return a domain in the ASCII form mail servers use (A-labels, lower case), raising idna.IDNAError (a
    UnicodeError) when it has none. ASCII labels are only lowered: whether they are a hostname is
    validate_email's call, and IDNA would refuse an underscore that mail still delivers to."""
    mapped = idna.uts46_remap(domain, std3_rules=False, transitional=False)
    return ".".join(
        label if label.isascii() and not label.startswith("xn--") else idna.alabel(label).decode("ascii")
        for label in mapped.split(".")
    )


def _labels_unicode(domain_ascii: str) -> str:
    """Return an ASCII domain (from `_labels_ascii`) with each A-label as the U-label it stands for."""
    return ".".join(idna.ulabel(label) if label.startswith("xn--") else label for label in domain_ascii.split("."))


def _parts(raw: str) -> tuple[str, str, str]:
    return unicodedata.normalize("NFKC", raw.strip()).rpartition("@")


def stored(raw: str) -> str:
    """Return the spelling an address is stored in: NFKC, lower case, an internationalised domain in Unicode
    (its U-labels: xn--strae-oqa.de is stored as straße.de, the same domain)."""
    local, at, domain = _parts(raw)
    if not at:
        return unicodedata.normalize("NFKC", raw.strip()).lower()
    try:
        domain = _labels_unicode(_labels_ascii(domain))
    except UnicodeError:
        domain = domain.lower()
    return f"{local.lower()}@{domain}"


def key(address: str) -> str:
    """Return what every spelling of one mailbox shares and no other mailbox has: the local part NFKC and
    case-folded, the domain as its IDNA 2008 A-labels (straße.de and xn--strae-oqa.de give xn--strae-oqa.de;
    strasse.de gives strasse.de). key(stored(a)) == key(a)."""
    local, at, domain = _parts(address)
    if not at:
        return unicodedata.normalize("NFKC", address.strip()).casefold()
    try:
        domain = _labels_ascii(domain)
    except UnicodeError:
        domain = domain.casefold()
    return f"{local.casefold()}@{domain}"


def for_mail(address: str) -> str:
    """Return an address as mail servers take it: its domain in IDNA 2008 A-labels (sofia@straße.de →
    sofia@xn--strae-oqa.de), the local part as it is. Text that is not such an address is returned unchanged.

    Django writes a Unicode domain for SMTP with Python's IDNA 2003 codec, which maps ß to ss and ς to σ:
    sofia@straße.de would go to sofia@strasse.de, another domain's mailbox. Given A-labels, it keeps them.
    """
    local, at, domain = address.rpartition("@")
    if not local or not at or domain.isascii():
        return address
    try:
        return f"{local}@{_labels_ascii(domain)}"
    except UnicodeError:
        return address


def problem(raw: str, *, max_length: int) -> str | None:
    """Return why text is not an address Align can store (to be shown with it), or None.

    Checks what Django's validate_email does not, or says less precisely: invisible characters (named), a part
    before the @ that is not ASCII, a space, the local part's 64 characters, the column's length (max_length), a
    domain without an IDNA 2008 form, without a dot (localhost) or written as an IP literal, and the 254 and 253
    characters of the address and its domain in ASCII. Run validate_email as well.
    """
    text = raw.strip()
    local, at, domain = _parts(text)
    try:
        domain_ascii = _labels_ascii(domain) if at else None
    except UnicodeError:
        domain_ascii = None
    # Checked as typed (NFKC would make a no-break space a space). A joiner stays only where IDNA 2008 has it
    # shape a domain's word (after a virama); anywhere else it hides.
    split = max((i for i, char in enumerate(text) if unicodedata.normalize("NFKC", char) == "@"), default=-1)
    invisible = names.invisible_character(text[: split + 1], spaces=True) or names.invisible_character(
        text[split + 1 :], spaces=True, joiners=domain_ascii is not None
    )
    if " " in text:
        return f"“{raw}” contains a space; an address Align sends to has none."
    if invisible:
        return f"“{raw}” contains an invisible character ({invisible}): type the address again."
    if at and not local.isascii():
        return f"“{raw}”: {ASCII_LOCAL_ONLY}."
    address = stored(text)
    local, _, domain = address.rpartition("@")
    if len(address) > max_length:
        return f"“{raw}” is longer than an address can be ({max_length} characters)."
    if len(local) > MAX_LOCAL:
        return f"“{raw}” has more than {MAX_LOCAL} characters before the @, more than an address can have."
    if at and domain_ascii is None:
        return f"“{raw}” has a domain that cannot be written for mail servers (IDNA 2008)."
    if at and (domain.startswith("[") or "." not in domain.strip(".")):
        return f"“{raw}” has no domain on the internet after the @ (a name with a dot, such as example.com)."
    # Mail servers and DNS count the ASCII form: a domain of 20 CJK characters is 29 octets there, not 20.
    if at and len(domain_ascii) > MAX_DOMAIN:
        return f"“{raw}” has a domain longer than DNS allows ({MAX_DOMAIN} characters once written in ASCII)."
    if at and len(f"{local}@{domain_ascii}") > MAX_ADDRESS:
        return f"“{raw}” is longer than mail servers take ({MAX_ADDRESS} characters once written in ASCII)."
    return None
