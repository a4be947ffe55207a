"""People and teams as SCIM resources, and what a posted or patched resource asks Align to store.

A User is a person: `id` is the person's id, `userName` the provider's identifier (their email address unless
`emails` carries one: the primary, else the work address, is the one Align invites; addresses are compared as
Align compares them: case, IDNA), `displayName` and `name.formatted` their one name (`name.givenName` and
`name.familyName` kept as sent), `active` whether they are invited and their login works, `preferredLanguage`
(else `locale`) the language their survey emails and page are in (`language_asked`).
A Group is a team: `id` is the team's id and `displayName` its whole path from the root (`Acme/Engineering`),
so groups with the same name under different departments stay apart; `members` are the people whose team it is.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .. import addresses, languages, names
from ..models import Person, Team
from .expressions import _key
from .protocol import CORE_GROUP, CORE_USER, ScimError


def user_resource(person: Person, *, base_url: str, team_path: str) -> dict[str, Any]:
    """Return a person as a SCIM User."""
    resource: dict[str, Any] = {
        "schemas": [CORE_USER],
        "id": str(person.pk),
        "userName": person.user_name or person.email,
        "displayName": person.name,
        "active": person.is_active,
        "emails": [{"value": person.email, "type": "work"}],
        "groups": [{"value": str(person.team_id), "$ref": f"{base_url}/Groups/{person.team_id}", "display": team_path}],
        "meta": {"resourceType": "User", "location": f"{base_url}/Users/{person.pk}"},
    }
    if person.given_name or person.family_name:
        resource["name"] = {"formatted": person.name, "givenName": person.given_name, "familyName": person.family_name}
    if person.external_id:
        resource["externalId"] = person.external_id
    if person.language:
        resource["preferredLanguage"] = languages.html_lang(person.language)
    return resource


def group_resource(team: Team, *, base_url: str, path: str, members: list[Person] | None) -> dict[str, Any]:
    """Return a team as a SCIM Group; `members` None leaves them out (excludedAttributes=members), and so does an
    empty team (SCIM leaves out attributes without a value)."""
    resource: dict[str, Any] = {
        "schemas": [CORE_GROUP],
        "id": str(team.pk),
        "displayName": path,
        "meta": {"resourceType": "Group", "location": f"{base_url}/Groups/{team.pk}"},
    }
    if members:
        resource["members"] = [{"value": str(person.pk), "$ref": f"{base_url}/Users/{person.pk}"} for person in members]
    if team.external_id:
        resource["externalId"] = team.external_id
    return resource


@dataclass(frozen=True)
class UserAsked:
    """What a User body asks Align to store about a person."""

    user_name: str
    address: str
    name: str
    active: bool
    external_id: str
    given_name: str = ""
    family_name: str = ""
    # A code of settings.LANGUAGES, "" for the organisation's default, None: the body leaves the language alone.
    language: str | None = None


@dataclass(frozen=True)
class GroupAsked:
    """What a Group body asks Align to store about a team; `member_ids` None: the body leaves members alone."""

    path: str
    external_id: str
    member_ids: list[int] | None


def _within(value: str, *, attribute: str, field: Any) -> str:
    """Return a value that fits the column it is stored in (`field`), or raise ScimError 400 invalidValue naming
    the attribute and the limit: Align refuses rather than cuts (a cut externalId is another provider's id)."""
    limit = field.max_length
    if len(value) > limit:
        raise ScimError(
            400, f"{attribute} is at most {limit} characters in Align; this one has {len(value)}.", "invalidValue"
        )
    return value


def _text(resource: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = resource.get(_key(resource, name))
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ScimError(400, f"{name} must be {'non-empty ' if required else ''}text.", "invalidValue")
    if "\x00" in value:
        raise ScimError(400, f"{name} contains a null character.", "invalidValue")
    return value


def active_read(value: Any) -> bool:
    """Return an `active` value as a boolean: true or false, or (as Entra ID sends it) "True" or "False"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, f"active must be true or false, not {value!r}.", "invalidValue")


def language_asked(resource: dict[str, Any], *, touched: set[str] | None = None) -> str | None:
    """Return the language a User body asks for: a code of settings.LANGUAGES, "" for the organisation's default,
    or None when the body names neither attribute (the person's language stays as it is: an admin may have set it
    at /manage/ or by the people import); raise ScimError 400 invalidValue for a value of the wrong form.

    `preferredLanguage` is an Accept-Language list (RFC 7643 §4.1.1: "da, en-gb;q=0.8"): its most wanted language
    Align speaks. Without one Align speaks there, `locale` (a language tag, "de-DE" or "de_DE"). A tag Align has no
    translation for ("ja") is the organisation's default, not a refusal: the provider's directory may hold any
    language. After a PATCH (`touched`), the attribute it named is read first, and removing both is the default.
    """
    touched = touched or set()
    order = ["locale", "preferredLanguage"] if "locale" in touched and "preferredlanguage" not in touched else None
    said = False
    for attribute in order or ["preferredLanguage", "locale"]:
        value = resource.get(_key(resource, attribute))
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ScimError(400, f"{attribute} must be text, such as de-DE.", "invalidValue")
        said = True
        if attribute == "locale":
            if not languages.TAG.fullmatch(value.strip()):
                raise ScimError(400, f"locale {value!r} is not a language tag such as de-DE.", "invalidValue")
            code = languages.tag_read(value) or ""
        else:
            try:
                code = languages.accept_language_read(value)
            except languages.AcceptLanguageInvalid as error:
                raise ScimError(400, f"preferredLanguage: {error}", "invalidValue") from None
        if code:
            return code
    if said or touched & {"preferredlanguage", "locale"}:
        return ""
    return None


def user_asked(resource: dict[str, Any], *, touched: set[str] | None = None) -> UserAsked:
    """Return what a User body (or a patched User) asks for, or raise ScimError 400 invalidValue.

    The name is `displayName`, else `name.formatted`, else `name.givenName` and `name.familyName` joined. After a
    PATCH (`touched`: the attributes its operations named), the name is what it named: `displayName`, else
    `name.formatted` (or the whole `name`), else the given and family names joined — the parts kept as the
    provider sent them, so Entra ID's PATCH of name.familyName alone changes only the family name.
    """
    parts = resource.get(_key(resource, "name"))
    parts = parts if isinstance(parts, dict) else {}
    given, family = _text(parts, "givenName").strip(), _text(parts, "familyName").strip()
    display, formatted = _text(resource, "displayName"), _text(parts, "formatted")
    touched = touched or set()
    whole = "name" in touched and not any(name.startswith("name.") for name in touched)
    parts_changed = bool(touched & {"name.givenname", "name.familyname"})
    named_again = bool(touched & {"displayname", "name.formatted"}) or whole
    if parts_changed and not named_again and (formatted or display).strip() and bool(given) != bool(family):
        # One part patched on a person whose parts Align was never sent (or were made stale by a rename elsewhere):
        # the other is read from the current name (its first word is the given name, the rest the family name), so
        # "Ana Lopez" with familyName Garcia is "Ana Garcia", not "Garcia".
        first, _, rest = (formatted or display).strip().partition(" ")
        given, family = (given, rest) if given else (first, family)
    joined = " ".join(part for part in (given, family) if part)
    if "displayname" in touched:
        name = display or formatted or joined
    elif "name.formatted" in touched or whole:
        # name.formatted, when the provider sends it, wins over the parts; a removed name leaves the name as it is.
        name = formatted or joined or display
    elif parts_changed and joined:
        name = joined
    else:
        name = display or formatted or joined
    said = "displayName" if name == display else "name.formatted" if name == formatted else "name (given and family)"
    name_field = Person._meta.get_field("name")
    _within(names.name_stored(name), attribute=said, field=name_field)
    user_name = _within(
        _text(resource, "userName", required=True), attribute="userName", field=Person._meta.get_field("user_name")
    )
    address = _address(resource, user_name)
    if not name.strip():
        # Without a name, the person is named by their userName until the provider sends one; by their address (or
        # the part of it before the @) when the userName is longer than a name can be.
        fallbacks = (user_name, address, address.rpartition("@")[0])
        name = next((text for text in fallbacks if 0 < len(names.name_stored(text)) <= name_field.max_length), name)
    active = resource.get(_key(resource, "active"), True)
    return UserAsked(
        user_name=user_name,
        address=address,
        name=name,
        active=active_read(active),
        external_id=_within(
            _text(resource, "externalId"), attribute="externalId", field=Person._meta.get_field("external_id")
        ),
        given_name=_within(given, attribute="name.givenName", field=Person._meta.get_field("given_name")),
        family_name=_within(family, attribute="name.familyName", field=Person._meta.get_field("family_name")),
        language=language_asked(resource, touched=touched),
    )


def _is_address(text: str) -> bool:
    if addresses.problem(text, max_length=Person._meta.get_field("email").max_length):
        return False
    try:
        validate_email(addresses.for_mail(text.strip()))
    except ValidationError:
        return False
    return True


def _address(resource: dict[str, Any], user_name: str) -> str:
    """Return the address Align invites a User at, or raise ScimError 400 invalidValue: the primary `emails` entry
    when there is one, else a work address, else the userName when it is an address, else the first address in
    `emails`. The userName stays the User's identifier (kept beside the address when it differs), so Entra ID's
    jdoe@corp.onmicrosoft.com with the primary email john.doe@example.org is invited at the latter."""
    emails = resource.get(_key(resource, "emails"))
    emails = [email for email in emails if isinstance(email, dict)] if isinstance(emails, list) else []
    values = [
        (email.get(_key(email, "primary")) is True, str(email.get(_key(email, "type")) or "").lower() == "work", value)
        for email in emails
        if isinstance(value := email.get(_key(email, "value")), str) and value.strip()
    ]
    primary = next((value for is_primary, _, value in values if is_primary), None)
    work = next((value for _, is_work, value in values if is_work), None)
    if primary or work:
        return primary or work
    if "@" in user_name and _is_address(user_name):
        return user_name
    if values:
        return values[0][2]
    if "@" in user_name:
        return user_name  # refused by the person's rules, which say why
    raise ScimError(
        400,
        f"userName {user_name!r} is not an email address and the User has no emails value: Align invites people by "
        "email, so send the address as userName or in emails.",
        "invalidValue",
    )


def _member_ids(members: Any) -> list[int]:
    if not isinstance(members, list):
        raise ScimError(400, "members is a list of objects with a value (a User's id).", "invalidValue")
    ids = []
    for member in members:
        value = member.get(_key(member, "value")) if isinstance(member, dict) else None
        if not isinstance(value, str) or not value.isascii() or not value.isdigit():
            raise ScimError(400, f'{member!r} is not a member: give each as {{"value": "<User id>"}}.', "invalidValue")
        ids.append(int(value))
    return ids


def group_asked(resource: dict[str, Any]) -> GroupAsked:
    """Return what a Group body asks for, or raise ScimError 400 invalidValue. A body without `members` leaves
    them as they are (a PUT too: emptying a team moves its people out, which needs an explicit empty list)."""
    members = resource.get(_key(resource, "members"))
    return GroupAsked(
        path=_text(resource, "displayName", required=True),
        external_id=_within(
            _text(resource, "externalId"), attribute="externalId", field=Team._meta.get_field("external_id")
        ),
        member_ids=None if members is None else _member_ids(members),
    )
