"""Teams as a tree: names checked as the Teams page and every importer read them."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from .. import names, selectors
from ..models import Team

# The advisory lock keys of teams' sibling names: this prefix and the parent's id (0: the top level).
TEAM_SIBLINGS_LOCK = 0x5EA3 << 48


def _siblings_lock(parent: Team | None) -> None:
    """Serialise checking and writing the names of one parent's children until the transaction ends.

    The unique constraints catch two siblings spelt identically, not two that read the same (Acme/Racea and
    Acme/rаcea, a Cyrillic а): without the lock, two concurrent creates each check the siblings, find none, and
    both insert. A transaction-level advisory lock keyed by the parent also covers the top level, which has no
    row to lock; SQLite runs one writing transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TEAM_SIBLINGS_LOCK + (parent.pk if parent else 0)])


def team_name_checked(*, name: str, parent: Team | None, team_id: int | None = None) -> str:
    """Return a team's name as stored (names.name_stored: trimmed, NFC, a run of spaces as one), or raise
    ValidationError naming what is wrong.

    Refused: an empty name; a name longer than the column (100 characters);
    a "/" or a character that reads as one (names.slash_like: ／, ∕, ⁄, ⧸; paths are
    split at it); a character that cannot be seen (names.invisible_character: a zero-width space, soft hyphen,
    right-to-left override, Braille blank, or a joiner no script or emoji needs there); a name that reads as UTF-8
    garbled by Windows-1252 (names.mojibake: Ã–konomi for Ökonomi); a parent inside the team
    itself; and a sibling whose name reads the same by names.look_alike (case, accents typed either way,
    full-width letters, invisible characters, runs of spaces, another script's look-alike letters: Ｐｌａｔｆｏｒｍ,
    Platfοrm with a Greek ο and Platform, the message naming such letters; names in keyboard letters only, such
    as Modern and Modem, are told apart), on every database (SQLite's iexact folds ASCII only), since a path
    naming either would be ambiguous. Used by team_save and the Django admin, so a name is checked one way
    wherever it is typed; the check holds the parent's lock (`_siblings_lock`) until the caller's transaction
    ends, so concurrent creates and renames under one parent are checked one after the other.
    """
    name = names.name_stored(name)
    if not name:
        raise ValidationError({"name": ["A team needs a name."]})
    limit = Team._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationError({"name": [f"A team name is at most {limit} characters; this one has {len(name)}."]})
    slash = names.slash_like(name)
    if slash and "/" in name:
        raise ValidationError({"name": ["A team name cannot contain “/”: it separates teams in paths."]})
    if slash:
        drawn = f"A team name cannot contain “/” or a character drawn like it ({slash})"
        raise ValidationError({"name": [f"{drawn}: it separates teams in paths."]})
    invisible = names.invisible_character(name, joiners=True)
    if invisible:
        raise ValidationError(
            {"name": [f"“{name}” contains a character that cannot be seen ({invisible}): type the name again."]}
        )
    garbled = names.mojibake_problem(name)
    if garbled:
        raise ValidationError({"name": [garbled]})
    if team_id is not None and parent is not None and parent.pk in selectors.team_subtree_ids([team_id]):
        raise ValidationError({"parent": ["A team cannot move inside itself or one of its own sub-teams."]})
    _siblings_lock(parent)
    siblings = Team.objects.filter(parent=parent).exclude(pk=team_id).values_list("name", flat=True)
    same = next((sibling for sibling in siblings if names.look_alike(sibling, name)), None)
    if same is not None:
        where = parent or "The top level"
        looks = "" if same == name else f", which reads the same as “{name}”"
        alike = names.drawn_alike(name) or names.drawn_alike(same)
        looks += f" ({alike}, drawn like a keyboard letter)" if alike and same != name else ""
        raise ValidationError({"name": [f"“{where}” already has a team called “{same}”{looks}."]})
    return name


@transaction.atomic
def team_save(*, name: str, parent: Team | None, team_id: int | None = None) -> Team:
    """Create, rename or move a team (the name as `team_name_checked` takes it). Past cycles keep the tree they
    opened with."""
    team = Team() if team_id is None else Team.objects.select_for_update().get(id=team_id)
    team.name, team.parent = team_name_checked(name=name, parent=parent, team_id=team_id), parent
    team.save()
    return team
