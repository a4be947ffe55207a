"""What Align collects: the organisation, instruments, cycles, invitations and anonymous responses.

The anonymity contract (DESIGN.md §3.1) is in the shape of these tables: `Invitation` knows the person;
`Response`, `Answer` and `Comment` know only the cycle, the team as of the cycle and the question. They have
random UUID keys, no timestamps and no reference to an invitation or a person.
"""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from . import cadence, scales
from .languages import validate_language

MIN_THRESHOLD = 3
DEFAULT_THRESHOLD = 5
COMMENT_MAX_LENGTH = 2000


class Team(models.Model):
    """A node of the organisation tree: department → team → sub-team."""

    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    external_id = models.CharField(
        max_length=200, blank=True, help_text="The identity provider's id of the group this team is (SCIM externalId)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="team_name_unique_among_siblings"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True), name="team_root_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who can be invited to answer; a login is optional."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        LEADER = "leader", "Leader"
        MANAGER = "manager", "Manager"
        MEMBER = "member", "Member"

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # Managers see these teams; leaders see these teams and everything below them.
    managed_teams = models.ManyToManyField(Team, blank=True, related_name="managers")
    is_active = models.BooleanField(default=True)
    external_id = models.CharField(
        max_length=200, blank=True, help_text="The identity provider's id of this person (SCIM externalId)."
    )
    user_name = models.CharField(
        max_length=254,
        blank=True,
        help_text="The identity provider's userName when it is not the email address (an Entra ID user principal "
        "name, say); empty: the email address is the userName.",
    )
    # The name's parts as the identity provider last sent them (SCIM name.givenName, name.familyName), so a PATCH of
    # one part (Entra ID sends a new surname alone) changes only that part of the name.
    given_name = models.CharField(max_length=200, blank=True, editable=False)
    family_name = models.CharField(max_length=200, blank=True, editable=False)
    # SCIM's DELETE deactivates (the person stays on the invitations of open cycles) and hides the person from SCIM,
    # which must answer 404 for a deleted resource (RFC 7644 §3.6), until someone reactivates them.
    deleted_by_provider = models.BooleanField(default=False, editable=False)
    # The language their invitations, reminders and survey link open in: a code of settings.LANGUAGES, or blank for
    # the organisation's default (settings.LANGUAGE_CODE). Never copied to a response (surveys.languages).
    language = models.CharField(
        max_length=15,
        blank=True,
        validators=[validate_language],
        help_text="The language their survey emails and page are in; empty: the organisation's default.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            # Two concurrent SCIM creates of one userName: the second fails here rather than making two people.
            models.UniqueConstraint(Lower("user_name"), condition=~Q(user_name=""), name="person_user_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Dimension(models.Model):
    """A construct measured by one or more questions, e.g. psychological safety."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="Citation for a validated instrument.")
    validated = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One item. Validated items are never edited in place: a new text is a new version."""

    class Kind(models.TextChoices):
        LIKERT = "likert", "Agreement scale"
        ENPS = "enps", "0–10 recommendation (eNPS)"
        COMMENT = "comment", "Open comment"

    key = models.SlugField(max_length=50)
    version = models.PositiveSmallIntegerField(default=1)
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LIKERT)
    text = models.CharField(max_length=300)
    scale_points = models.PositiveSmallIntegerField(
        default=5, help_text="5 or 7 for agreement scales; eNPS is always 0–10."
    )
    reverse_scored = models.BooleanField(default=False)
    required = models.BooleanField(default=True)
    validated = models.BooleanField(
        default=False, help_text="Wording from a published instrument: never edited in place, only versioned."
    )
    retired = models.BooleanField(default=False, help_text="Replaced by a newer version; kept for past cycles.")

    class Meta:
        ordering = ["key", "version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="question_key_version_unique"),
            models.CheckConstraint(
                condition=~Q(kind="likert") | Q(scale_points__in=[5, 7]),
                name="question_likert_has_5_or_7_points",
            ),
            models.CheckConstraint(
                condition=Q(kind="likert") | Q(reverse_scored=False), name="question_only_likert_is_reversed"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self):
        """Refuse a question whose kind or scale differs from its dimension's other questions (`surveys.scales`).

        A dimension's score is the mean (or the eNPS) of its items and is read "of 5", "of 7" or "of −100 to
        100", its changes in that unit and its trend across cycles on one axis: an eNPS item in an agreement
        dimension, or items on two agreement scales, would make every one of those meaningless. Retired
        versions count, so a dimension's trend never joins cycles asked on different scales.
        """
        super().clean()
        if self.dimension_id is None:
            return
        others = Question.objects.filter(dimension_id=self.dimension_id).exclude(id=self.id)
        items = [*others.values_list("kind", "scale_points"), (self.kind, self.scale_points)]
        problem = scales.scale_problem(self.dimension.name, items)
        if problem:
            same_kind = self.kind == self.Kind.LIKERT and others.filter(kind=self.kind).exists()
            field = "scale_points" if same_kind else "kind"
            raise ValidationError({field: problem})

    @property
    def value_range(self) -> range:
        """Return the values a respondent may choose."""
        if self.kind == self.Kind.ENPS:
            return range(0, 11)
        return range(1, self.scale_points + 1)

    @cached_property
    def options(self) -> frozenset[str]:
        """Return the values a respondent may choose, as a posted form gives them."""
        return frozenset(str(value) for value in self.value_range)


class QuestionTranslation(models.Model):
    """A question's text in another language than its own (settings.LANGUAGE_CODE's).

    Answers given in any language are answers to the same Question row, so they count in one figure. A validated
    item's translation is validated only with the published source it comes from (`source`); any other is shown
    to admins and report readers as "translation not validated".
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=15, validators=[validate_language])
    text = models.CharField(max_length=300)
    source = models.TextField(
        blank=True,
        help_text="A validated item's published translation: its citation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "language"]
        constraints = [
            models.UniqueConstraint(fields=["question", "language"], name="question_translation_one_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.question.key} v{self.question.version} [{self.language}]"

    @property
    def language_name(self) -> str:
        """Return the language's name as settings.LANGUAGES gives it ("Deutsch")."""
        from .languages import name

        return name(self.language)

    @property
    def validated(self) -> bool:
        """Return whether this is a validated translation of a validated item: one with its published source."""
        return self.question.validated and bool(self.source.strip())

    @property
    def not_validated(self) -> bool:
        """Return whether this translates a validated item without a published source ("translation not
        validated"); a custom item's translation is no less validated than the item itself."""
        return self.question.validated and not self.source.strip()


DEFAULT_MAX_QUESTIONS = 10
DEFAULT_MEASURE_EVERY_CYCLES = 3


class SurveyTemplate(models.Model):
    """An ordered set of questions that a cycle asks, rotated by dimension when they are more than a cycle asks.

    Each cycle asks at most `max_questions` rated questions (agreement items and eNPS; not the optional
    comment) and every dimension at least once every `measure_every_cycles` cycles (`surveys.rotation`).
    """

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    questions = models.ManyToManyField(Question, through="TemplateQuestion", related_name="templates")
    max_questions = models.PositiveSmallIntegerField(
        default=DEFAULT_MAX_QUESTIONS,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="At most this many rated questions per cycle (eNPS included, the optional comment not).",
    )
    measure_every_cycles = models.PositiveSmallIntegerField(
        default=DEFAULT_MEASURE_EVERY_CYCLES,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Every dimension is asked at least once in every this many consecutive cycles.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(max_questions__gte=1), name="template_asks_at_least_one_question"),
            models.CheckConstraint(
                condition=Q(measure_every_cycles__gte=1), name="template_measures_every_cycle_or_more"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateQuestion(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="template_position_unique"),
            models.UniqueConstraint(fields=["template", "question"], name="template_question_unique"),
        ]


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/London.") from None


def site_time_zone() -> str:
    return settings.TIME_ZONE


class Delivery(models.TextChoices):
    """How a cycle's invitations and reminders reach people: email, Slack direct messages (surveys.slack), or both."""

    EMAIL = "email", "Email"
    SLACK = "slack", "Slack direct message; email to whoever Slack does not know"
    SLACK_ONLY = "slack_only", "Slack direct message only"
    BOTH = "both", "Slack direct message and email"


def validate_reminder_days(value) -> None:
    if not isinstance(value, list) or not all(isinstance(day, int) and day >= 1 for day in value):
        raise ValidationError("Reminders are whole numbers of days after opening, each at least 1.")


class CycleSchedule(models.Model):
    """A recurring survey: which template, for whom, how often, how long it stays open, when to remind."""

    class Cadence(models.TextChoices):
        ONCE = "once", "One-off"
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Every 2 weeks"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    name = models.CharField(max_length=100)
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="schedules")
    teams = models.ManyToManyField(
        Team, blank=True, related_name="schedules", help_text="These teams and everything below; none = everyone."
    )
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY)
    first_opens_at = models.DateTimeField(help_text="The moment the first cycle opens.")
    # The wall-clock time the schedule was given, in its zone. Kept beside the moment because a time the clocks
    # skip on the first day (02:30 in Berlin on the last Sunday of March) happens as 03:30 that day only: every
    # later cycle opens at 02:30, which the moment alone no longer says.
    first_opens_local_date = models.DateField(null=True, editable=False)
    first_opens_local_time = models.TimeField(null=True, editable=False)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    open_days = models.PositiveSmallIntegerField(default=7, validators=[MinValueValidator(1), MaxValueValidator(90)])
    reminder_days = models.JSONField(
        default=list, blank=True, validators=[validate_reminder_days], help_text="Days after opening, e.g. [2, 5]."
    )
    threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_THRESHOLD, validators=[MinValueValidator(MIN_THRESHOLD), MaxValueValidator(100)]
    )
    active = models.BooleanField(default=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.EMAIL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=MIN_THRESHOLD), name="schedule_threshold_at_least_3"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        days = self.reminder_days if isinstance(self.reminder_days, list) else []
        if self.open_days and any(isinstance(day, int) and day >= self.open_days for day in days):
            raise ValidationError({"reminder_days": "Each reminder must fall before the survey closes."})
        shortest = cadence.SHORTEST_DAYS.get(self.cadence)
        if shortest and isinstance(self.open_days, int) and self.open_days > shortest:
            raise ValidationError({"open_days": (
                f"A {self.get_cadence_display().lower()} survey can stay open at most {shortest} days, so that one "
                "cycle closes before the next opens (people would otherwise hold two open invitations at once)."
            )})  # fmt: skip

    @property
    def first_opens_wall(self) -> datetime:
        """Return the planned wall-clock time of the first opening in the schedule's zone, naive: the one it was
        given, unless `first_opens_at` or the zone was changed without it (the Django admin, a script); then the
        time `first_opens_at` shows."""
        if self.first_opens_local_date is not None and self.first_opens_local_time is not None:
            wall = datetime.combine(self.first_opens_local_date, self.first_opens_local_time)
            if cadence.on_wall_clock(wall, self.time_zone) == self.first_opens_at:
                return wall
        return cadence.wall_clock(self.first_opens_at, self.time_zone)

    def plan_first_opening(self, wall: datetime) -> None:
        """Set the first opening to a naive wall-clock time in the schedule's zone, and its moment."""
        self.first_opens_local_date, self.first_opens_local_time = wall.date(), wall.time()
        self.first_opens_at = cadence.on_wall_clock(wall, self.time_zone)


class Cycle(models.Model):
    """One round of a survey for an audience: scheduled → open → closed → published."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        PUBLISHED = "published", "Published"

    name = models.CharField(max_length=100)
    schedule = models.ForeignKey(CycleSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="cycles")
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="cycles")
    teams = models.ManyToManyField(
        Team,
        blank=True,
        related_name="cycles",
        help_text="The audience: these teams and every team below them; none = everyone.",
    )
    reminder_days = models.JSONField(default=list, blank=True, validators=[validate_reminder_days])
    reminders_done = models.JSONField(default=list, blank=True, editable=False)
    results_announced = models.BooleanField(default=False, editable=False, help_text="Admins were told results are in.")
    members_notified = models.BooleanField(
        default=False, editable=False, help_text="Everyone invited was told the results are published."
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # Kept on the cycle, not read through its schedule: a schedule moved to another zone, or deleted, must not
    # move the reminders of a cycle already open or the dates its figures were filed under.
    time_zone = models.CharField(
        max_length=64,
        default=site_time_zone,
        editable=False,
        validators=[validate_time_zone],
        help_text="The wall clock its reminders and dates are counted on: its schedule's zone, else TIME_ZONE.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(MIN_THRESHOLD), MaxValueValidator(100)],
        help_text=f"Fewest respondents a group needs before anything of it is shown (≥ {MIN_THRESHOLD}).",
    )
    send_seconds = models.FloatField(
        default=0.0, editable=False, help_text="The slowest invitation email's hand-over to the mail server."
    )
    # Kept on the cycle like its threshold: a schedule changed meanwhile must not move the reminders of a cycle
    # already open to another channel.
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.EMAIL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=MIN_THRESHOLD), name="cycle_threshold_at_least_3"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="cycle_closes_after_it_opens"),
            models.UniqueConstraint(fields=["schedule", "opens_at"], name="cycle_one_per_schedule_opening"),
        ]

    def __str__(self) -> str:
        return self.name


class CycleQuestion(models.Model):
    """The questions a cycle asks, frozen when it opens, so later template edits never change past cycles."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="questions_asked")
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "position"], name="cycle_question_position_unique"),
            models.UniqueConstraint(fields=["cycle", "question"], name="cycle_question_unique"),
        ]


class CycleTeam(models.Model):
    """The organisation tree as it stood when a cycle opened, so reorganisations never rewrite past results."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="tree")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(Team, null=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "team"], name="cycle_team_unique")]


class Invitation(models.Model):
    """A person's right to answer a cycle. Knows the person, never the answer, and never changes on submit.

    `team` is the person's team when the cycle opened, so later reorganisations do not move past results.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="invitations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="invitations")
    # The address as of opening: the invitation and its reminders go there even if the person's address is
    # changed meanwhile — otherwise whoever changed it to their own would get a reminder exactly when the
    # person had not answered. Empty on invitations from before it was kept: the person's address then.
    email = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The Slack direct-message channel its invitation was posted to, found from the address as of opening, so its
    # reminders go to the same person however the address or Slack's directory change meanwhile: null until the
    # invitation went by Slack, "" if Slack knew nobody at the address. Written once, for everyone alike, when
    # the invitation is sent; never because of anything a person did. Null and "" differ, hence null=True.
    slack_channel = models.CharField(max_length=32, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person"], name="invitation_one_per_person_per_cycle"),
        ]
        indexes = [models.Index(fields=["cycle", "sent_at"], name="invitation_unsent_idx")]

    def __str__(self) -> str:
        return f"Invitation to {self.cycle} for {self.person}"

    @property
    def address(self) -> str:
        """Return where this invitation's emails go: the address as of opening."""
        return self.email or self.person.email


class InvitationToken(models.Model):
    """A credential of a sent invitation: only a SHA-256 of the token in an email's link.

    The invitation's own token is derived from its id (`tokens.invitation_token`), so its reminders carry the
    same link and write nothing; a link issued again by hand (`invitation_link_issue`) is random. Any of them
    works until the invitation is answered (an `AnsweredMarker` exists) or the cycle closes, which deletes them
    all. Answering touches neither the tokens nor the invitation: an update, a delete or a row lock leaves
    traces of when, and in which order, people answered — row versions, transaction ids — that could be lined
    up with the responses written in the same transaction.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)


class ReminderRound(models.Model):
    """How far one reminder of a cycle has gone: invitations are handled in id order, answered or not.

    `reached` is the id of the last invitation handled — emailed if it had not been answered, passed over if it
    had — so a retried or concurrent job goes on from there and reminds nobody twice. It moves over every sent
    invitation alike: nothing here, nor anything else a reminder writes, depends on who has answered.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reminder_rounds")
    day = models.PositiveSmallIntegerField()
    reached = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "day"], name="reminder_round_one_per_day")]


class AnsweredMarker(models.Model):
    """Records that an invitation of an open cycle was answered, keyed by `tokens.answered_marker` (an HMAC of
    its id under the secret key): its primary key refuses a second answer, and a database alone cannot tie
    it to the invitation. Answering changes nothing else about the invitation; the markers are deleted when
    the cycle closes, so afterwards nothing remembers who answered.
    """

    marker = models.CharField(max_length=64, primary_key=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")


class Response(models.Model):
    """One anonymous submission. A random key and no time: nothing orders it against invitations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="responses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="responses")


class Answer(models.Model):
    """A numeric answer to one question, already on the question's own scale (not reverse-scored).

    Keyed by its response and question (one answer per question), so it needs no key of its own: each answer
    written updates two indexes instead of four. The key's index also serves lookups by response.
    """

    pk = models.CompositePrimaryKey("response", "question")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", db_index=False)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0, value__lte=10), name="answer_value_in_any_scale"),
        ]


class Comment(models.Model):
    """An open comment, kept apart from the numeric answers so writing style cannot tie scores together.

    While its cycle is open a comment is stored only `sealed` (surveys.sealing; `text` empty): written with its
    response, the row pairs with that response's answers until closing rewrites the comments in random order,
    opened (`text`, `sealed` null)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="comments")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="comments")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="comments")
    text = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    sealed = models.BinaryField(null=True, editable=False)
