"""Reads with rules for the collecting side: team trees, a cycle's questions, redeeming a token."""

import contextlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UsernameField
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import addresses, languages, rotation, scales
from .models import (
    AnsweredMarker,
    Cycle,
    CycleQuestion,
    CycleTeam,
    Invitation,
    Person,
    Question,
    QuestionTranslation,
    SurveyTemplate,
    Team,
)
from .tokens import answered_marker, token_hash


class InvitationProblem(Exception):
    """An invitation link that cannot be used; `message` is safe to show the respondent."""

    message = _("This invitation link cannot be used.")
    status = 400


class InvitationUnknown(InvitationProblem):
    message = _(
        "This link is not valid: its survey may have closed, or your answers were already received through "
        "another invitation email. If the survey is still open, please use the link from your latest email."
    )
    status = 404


class InvitationUsed(InvitationProblem):
    message = _("Your answers were received. Thank you. An invitation works once, so there is nothing to edit.")
    status = 200


class CycleNotOpen(InvitationProblem):
    message = _("This survey is closed, so answers can no longer be accepted.")
    status = 410


def team_parents() -> dict[int, int | None]:
    """Return every team's parent id (None for a root), in one query."""
    return dict(Team.objects.values_list("id", "parent_id"))


def cycle_team_parents(*, cycle_id: int) -> dict[int, int | None]:
    """Return every team's parent as of the cycle's opening (the current tree for a cycle not yet opened)."""
    snapshot = dict(CycleTeam.objects.filter(cycle_id=cycle_id).values_list("team_id", "parent_id"))
    return snapshot or team_parents()


def team_paths() -> dict[str, int]:
    """Return {"Engineering/Platform": team id, ...} for every team, in one query."""
    teams = {
        team_id: (name, parent_id) for team_id, name, parent_id in Team.objects.values_list("id", "name", "parent_id")
    }
    paths: dict[int, str] = {}

    def path(team_id: int) -> str:
        if team_id not in paths:
            name, parent_id = teams[team_id]
            paths[team_id] = name if parent_id is None else f"{path(parent_id)}/{name}"
        return paths[team_id]

    return {path(team_id): team_id for team_id in teams}


def team_subtree_ids(root_ids: Iterable[int], *, parents: dict[int, int | None] | None = None) -> set[int]:
    """Return the given teams and every team below them."""
    parents = team_parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for team_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(team_id)
    found: set[int] = set()
    stack = list(root_ids)
    while stack:
        team_id = stack.pop()
        if team_id not in found:
            found.add(team_id)
            stack.extend(children.get(team_id, []))
    return found


def team_ancestor_ids(team_id: int, *, parents: dict[int, int | None]) -> list[int]:
    """Return the team itself and each of its ancestors, nearest first."""
    chain = []
    current: int | None = team_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


# A cycle's questions never change once frozen at its opening, and every respondent's page and submit reads
# them: each process keeps them by cycle id, with the cycle's creation time. `cycle_open` forgets what this
# process kept, so an id used again after a rollback (as in tests) never finds another cycle's questions.
_FROZEN_QUESTIONS: dict[int, tuple[datetime | None, list[Question]]] = {}
FROZEN_QUESTIONS_KEPT = 256


def people_listing(*, query: str = "", team_id: int | None = None, active: bool | None = None) -> QuerySet[Person]:
    """Return people for the People page, active first, then by name and email: those whose name or email holds
    query (in NFC, as names are stored; case folded as the database folds it — PostgreSQL by its locale, SQLite
    for ASCII letters only), in team_id or a team below it, and active or inactive when active says which."""
    listing = Person.objects.select_related("team").order_by("-is_active", "name", "email")
    query = unicodedata.normalize("NFC", query.strip())
    if query:
        listing = listing.filter(Q(name__icontains=query) | Q(email__icontains=query))
    if team_id is not None:
        listing = listing.filter(team_id__in=team_subtree_ids([team_id]))
    if active is not None:
        listing = listing.filter(is_active=active)
    return listing


def cycle_questions(*, cycle: Cycle) -> list[Question]:
    """Return the cycle's questions in the order respondents see them: frozen at opening, else its template's."""
    kept = _FROZEN_QUESTIONS.get(cycle.id)
    if kept is not None and kept[0] == cycle.created_at:
        return kept[1]
    return _frozen_questions_load(cycle_id=cycle.id, created_at=cycle.created_at) or template_questions(
        template_id=cycle.template_id
    )


# About how long answering takes, for the invitation's "takes about N minutes": a rating question is read and
# answered in a few seconds, a comment box takes those who write in it a while.
SECONDS_PER_RATING = 7
SECONDS_PER_COMMENT_BOX = 45


def answering_minutes(*, cycle: Cycle) -> int:
    """Return about how many minutes a cycle's survey takes (at least 1): SECONDS_PER_RATING for each question
    on a scale and SECONDS_PER_COMMENT_BOX for each comment box, rounded (10 ratings and a box: 2 minutes)."""
    questions = cycle_questions(cycle=cycle)
    boxes = sum(question.kind == Question.Kind.COMMENT for question in questions)
    seconds = SECONDS_PER_RATING * (len(questions) - boxes) + SECONDS_PER_COMMENT_BOX * boxes
    return max(1, round(seconds / 60))


def frozen_questions(*, cycle_id: int) -> list[Question]:
    """Return the questions an opened cycle froze, in order, knowing only its id (none before it opens)."""
    kept = _FROZEN_QUESTIONS.get(cycle_id)
    return kept[1] if kept is not None else _frozen_questions_load(cycle_id=cycle_id, created_at=None)


def _frozen_questions_load(*, cycle_id: int, created_at: datetime | None) -> list[Question]:
    frozen = list(
        Question.objects.filter(cyclequestion__cycle_id=cycle_id)
        .select_related("dimension")
        .order_by("cyclequestion__position")
    )
    if frozen:
        if len(_FROZEN_QUESTIONS) >= FROZEN_QUESTIONS_KEPT:
            _FROZEN_QUESTIONS.clear()
        _FROZEN_QUESTIONS[cycle_id] = (created_at, frozen)
    return frozen


def frozen_questions_forget() -> None:
    """Forget the questions this process kept (a cycle has just frozen its own)."""
    _FROZEN_QUESTIONS.clear()


def template_questions(*, template_id: int) -> list[Question]:
    """Return a template's questions in order."""
    return list(
        Question.objects.filter(templatequestion__template_id=template_id)
        .select_related("dimension")
        .order_by("templatequestion__position")
    )


RATED = (Question.Kind.LIKERT, Question.Kind.ENPS)


def template_rotation(questions: list[Question]) -> tuple[dict[int, int], int]:
    """Return a template's rotating dimensions ({dimension id: agreement items}, in order) and how many rated
    questions it asks every cycle (eNPS). Comments are asked every cycle and not counted."""
    sizes: dict[int, int] = {}
    for question in questions:
        if question.kind == Question.Kind.LIKERT:
            sizes[question.dimension_id] = sizes.get(question.dimension_id, 0) + 1
    return sizes, sum(question.kind == Question.Kind.ENPS for question in questions)


def rotation_history(*, cycle: Cycle, cycles: int) -> list[set[int]]:
    """Return the dimensions each of the latest `cycles` cycles opened before this one asked, oldest first.

    The cycles are those of the same schedule (whatever template they used: what matters is when the audience
    last answered a dimension); for a cycle made by hand, the other hand-made cycles of its template.
    """
    earlier = Cycle.objects.filter(questions_asked__isnull=False).exclude(id=cycle.id)
    if cycle.schedule_id is not None:
        earlier = earlier.filter(schedule_id=cycle.schedule_id)
    else:
        earlier = earlier.filter(schedule__isnull=True, template_id=cycle.template_id)
    latest = earlier.filter(opens_at__lte=cycle.opens_at).distinct().order_by("-opens_at", "-id")
    ids = list(latest.values_list("id", flat=True)[:cycles])
    asked: dict[int, set[int]] = {cycle_id: set() for cycle_id in ids}
    for cycle_id, dimension_id in CycleQuestion.objects.filter(cycle_id__in=ids).values_list(
        "cycle_id", "question__dimension_id"
    ):
        asked[cycle_id].add(dimension_id)
    return [asked[cycle_id] for cycle_id in reversed(ids)]


def questions_to_ask(*, cycle: Cycle) -> list[Question]:
    """Return the questions a cycle opening now asks, in its template's order: all of them, or, when they are
    more than the template's `max_questions`, the dimensions `rotation.cycle_dimensions` picks from the
    schedule's history, with eNPS and the comment every cycle.

    A template no rotation fits (saved before rotation was checked, or through the Django admin) asks everything
    rather than leave a dimension unmeasured; `template_save` refuses such a template.
    """
    template = SurveyTemplate.objects.get(id=cycle.template_id)
    questions = template_questions(template_id=template.id)
    if sum(question.kind in RATED for question in questions) <= template.max_questions:
        return questions
    sizes, always = template_rotation(questions)
    try:
        chosen = set(
            rotation.cycle_dimensions(
                sizes,
                max_questions=template.max_questions,
                every=template.measure_every_cycles,
                always=always,
                # Four windows: enough to share spare room out evenly, few enough to read in one query.
                history=rotation_history(cycle=cycle, cycles=4 * template.measure_every_cycles),
            )
        )
    except rotation.RotationImpossible:
        return questions
    return [q for q in questions if q.kind != Question.Kind.LIKERT or q.dimension_id in chosen]


def invitation_answered(*, invitation_id: int) -> bool:
    """Return whether the invitation has been answered (while its cycle is open; closing forgets it)."""
    return AnsweredMarker.objects.filter(marker=answered_marker(invitation_id)).exists()


def invitation_live(*, token: str) -> Invitation:
    """Return the invitation behind a token, with its cycle, if that cycle accepts answers (answered or not);
    else raise the InvitationProblem that applies. One query."""
    found = list(Cycle.objects.raw(LIVE_INVITATION_SQL, [token_hash(token)]))
    if not found:
        raise InvitationUnknown  # never sent, or its cycle closed (which deletes every token)
    cycle = found[0]
    invitation = Invitation.from_db(
        connection.alias, ["id", "cycle_id", "team_id"], [cycle.invitation_id, cycle.id, cycle.invitation_team_id]
    )
    invitation.cycle = cycle
    if not cycle_accepts_answers(cycle=cycle):
        raise CycleNotOpen
    return invitation


# Every respondent request (open the link, show the form, submit) starts with this lookup, so it is written out:
# the ORM takes longer to build the join than the database takes to answer it. The cycle's other fields, and
# the invitation's person, load on first access.
LIVE_INVITATION_SQL = """
SELECT c.id, c.name, c.template_id, c.opens_at, c.closes_at, c.state, c.threshold, c.created_at,
    i.id AS invitation_id, i.team_id AS invitation_team_id
FROM surveys_invitationtoken t
JOIN surveys_invitation i ON i.id = t.invitation_id
JOIN surveys_cycle c ON c.id = i.cycle_id
WHERE t.token_hash = %s
"""


def invitation_redeemable(*, token: str) -> Invitation:
    """Return the open, unanswered invitation behind a token, or raise the InvitationProblem that applies."""
    invitation = invitation_live(token=token)
    if invitation_answered(invitation_id=invitation.id):
        raise InvitationUsed
    return invitation


def cycle_accepts_answers(*, cycle: Cycle) -> bool:
    """Return whether the cycle is open and its deadline has not passed."""
    return cycle.state == Cycle.State.OPEN and timezone.now() < cycle.closes_at


def login_attempts_name(*, username: str) -> str:
    """Return the name under which login attempts with `username` are counted.

    It is the account the name logs in to, found as Django's authentication finds it (the login form's Unicode
    NFKC and stripping, then the user model's natural key), so every spelling that reaches an account — a
    full-width `ｋ` for `k`, a trailing space — shares that account's count. A name that reaches no account is
    counted as typed. Both are case-folded (and NFKC-normalised again after folding), which only merges more.
    """
    typed = UsernameField().to_python(username) or ""
    user = login_named(name=typed)
    typed = typed if user is None else user.get_username()
    return unicodedata.normalize("NFKC", typed.casefold())


def login_named(*, name: str):
    """Return the login a typed name signs in to, or None: for an address, the login whose username is that address
    as Align compares addresses (addresses.key — as single sign-on finds the person, whose address a login's
    username always equals, surveys.services.people.login_follow); else the login of that exact username (a
    superuser named `admin`). The name is read as Django's login form reads it (NFKC, stripped)."""
    typed = UsernameField().to_python(name) or ""
    if "\x00" in typed:  # no account holds one (the form refuses it), and PostgreSQL's text cannot
        return None
    User = get_user_model()
    if "@" in typed:
        wanted = addresses.key(typed)
        candidates = User._default_manager.filter(username__iexact=addresses.stored(typed))
        found = next((user for user in candidates if addresses.key(user.get_username()) == wanted), None)
        if found is not None:
            return found
    with contextlib.suppress(User.DoesNotExist):
        return User._default_manager.get_by_natural_key(typed)
    return None


@dataclass(frozen=True)
class Wording:
    """A question's text as a page in some language shows it, and the HTML `lang` of that text when it is not the
    page's language ("" when it is)."""

    text: str
    lang: str = ""


def question_wordings(*, questions: Iterable[Question], language: str) -> dict[int, Wording]:
    """Return each question's text in `language` (a code such as django.utils.translation.get_language() gives),
    by question id: its translation into that language, else its own text marked with the language it is written
    in (settings.LANGUAGE_CODE, as an HTML lang such as "en-GB"). One query, none in the default language.

    The wording changes nothing but the text shown: every language answers the same Question row, so answers from
    every language count in one figure.
    """
    questions = list(questions)
    own = languages.default()
    code = languages.tag_read(language or own) or own
    if code == own or not questions:
        return {question.id: Wording(question.text) for question in questions}
    translated = dict(
        QuestionTranslation.objects.filter(question_id__in=[q.id for q in questions], language=code).values_list(
            "question_id", "text"
        )
    )
    original = languages.html_lang(own)
    return {q.id: Wording(translated[q.id]) if q.id in translated else Wording(q.text, original) for q in questions}


def translations_not_validated(*, cycle_ids: Iterable[int]) -> list[QuestionTranslation]:
    """Return the translations these cycles offered of their validated items without a published source
    ("translation not validated"): those of a question a cycle asked that existed before it closed, by language
    then question. Answers given in them count in the item's figures with everyone else's, and nothing records
    who answered in which language, so a report can only say that its figures may include such answers."""
    asked = CycleQuestion.objects.filter(
        cycle_id__in=list(cycle_ids), question_id=OuterRef("question_id"), cycle__closes_at__gt=OuterRef("created_at")
    )
    return list(
        QuestionTranslation.objects.filter(
            Exists(asked),
            question__validated=True,
            source="",  # stored trimmed (services.question_translation_save)
        )
        .select_related("question")
        .order_by("language", "question__key")
    )


def dimension_scales(*, dimension_ids: Iterable[int] | None = None) -> dict[int, scales.Scale | None]:
    """Return {dimension id: its scale} (`surveys.scales.scale_of`) from all its questions, retired versions
    included, in one query; None for a dimension whose questions mix kinds or scales (saved before the rule was
    enforced: it is not scored, and `manage.py check --database default` names it). Every output that says a
    dimension's unit or range reads this, never what one cycle happened to ask. `dimension_ids` None: all."""
    rows = Question.objects.all() if dimension_ids is None else Question.objects.filter(dimension_id__in=dimension_ids)
    items: dict[int, list[tuple[str, int]]] = {}
    for dimension_id, kind, points in rows.values_list("dimension_id", "kind", "scale_points"):
        items.setdefault(dimension_id, []).append((kind, points))
    return {dimension_id: scales.scale_of(found) for dimension_id, found in items.items()}
