"""Forms of the admin pages. They parse and check input; the services decide and write."""

from contextlib import suppress
from datetime import date, datetime, time
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import cadence, csv_table, languages, time_limits
from .forms import AddressField, TypedTextField
from .models import (
    DEFAULT_MAX_QUESTIONS,
    DEFAULT_MEASURE_EVERY_CYCLES,
    MIN_THRESHOLD,
    CycleSchedule,
    Delivery,
    Dimension,
    Person,
    Question,
    QuestionTranslation,
    SurveyTemplate,
    Team,
)
from .names import line_break_or_control, name_stored, path_example, person_name_problem
from .selectors import team_paths
from .services.people import login_holder, person_address_checked
from .services.teams import team_name_checked

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_KEY = 2**63 - 1  # the largest id a key column holds
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def stored_length(model, field: str) -> int:
    """Return the most characters a model's column holds: a form's limit, and so its page's maxlength, is that
    number (the browser counts UTF-16 code units, at least as many as the characters the column counts, so
    whatever the page lets through fits)."""
    return model._meta.get_field(field).max_length


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ModelsField(forms.ModelMultipleChoiceField):
    """Django's field for several rows chosen by id, refusing an id no key column can hold like an unknown one:
    Django passes it to the database, and SQLite's driver raises OverflowError (a 500) where PostgreSQL finds
    nothing."""

    def clean(self, value):
        for key in value if isinstance(value, list | tuple) else ():
            with suppress(TypeError, ValueError):  # not a number: Django's own check refuses it
                if abs(int(key)) > MAX_KEY:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": key}
                    )
        return super().clean(value)


class TeamsField(ModelsField):
    """Any number of teams, as checkboxes."""

    def __init__(self, **kwargs):
        super().__init__(Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, **kwargs)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=stored_length(Team, "name"))
    parent = forms.ModelChoiceField(
        Team.objects.all(), required=False, empty_label="(top level: a department)", label="Inside"
    )


class PersonForm(forms.Form):
    email = AddressField(max_length=stored_length(Person, "email"))  # Django's default, 320, overruns the column
    name = forms.CharField(max_length=stored_length(Person, "name"))
    team = forms.ModelChoiceField(Team.objects.all())
    role = forms.ChoiceField(choices=Person.Role.choices)
    managed_teams = TeamsField(help_text="Managers see these teams; leaders see these teams and everything below them.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active (invited to surveys)")
    language = forms.ChoiceField(
        required=False,
        choices=languages.person_choices,
        help_text="Their invitations and reminders are written in it, and their survey link opens in it.",
    )


class PeopleFilterForm(forms.Form):
    """The People page's filters, read from the query string: words in a name or email, a team (with the teams
    below it) and a status."""

    STATUSES = {"": None, "active": True, "inactive": False}

    q = forms.CharField(required=False, max_length=stored_length(Person, "email"), label="Name or email")
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Team (and teams below)")
    status = forms.ChoiceField(
        required=False, choices=[("", "Everyone"), ("active", "Active"), ("inactive", "Inactive")], label="Status"
    )

    def __init__(self, *args, team_paths: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        ordered = sorted(team_paths.items(), key=lambda item: item[0].casefold())
        self.fields["team"].choices = [("", "All teams"), *((team_id, path) for path, team_id in ordered)]

    def clean_q(self) -> str:
        problem = line_break_or_control(self.cleaned_data["q"])
        if problem:
            raise ValidationError(f"Search for one line of text ({problem}).")
        return self.cleaned_data["q"]

    def listing_filters(self) -> dict:
        """Return the keyword arguments of `selectors.people_listing` (call once the form is valid)."""
        data = self.cleaned_data
        return {"query": data["q"], "team_id": data["team"], "active": self.STATUSES[data["status"]]}


class CsvUploadForm(forms.Form):
    """An uploaded CSV file, returned as text: at most MAX_UPLOAD_BYTES, decoded by `csv_table.decode` (UTF-8, or
    UTF-16/32 with a byte-order mark), with no NUL character (PostgreSQL's text cannot hold one)."""

    file = forms.FileField(label="CSV file")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        try:
            return csv_table.decode(upload.read())
        except csv_table.TableError as error:
            raise ValidationError(str(error)) from None


def team_path_help() -> str:
    """Return how a file names a team, with a real path of the organisation as the example (`names.path_example`):
    "a path from the top-level team, such as Acme/Engineering/Platform"."""
    example = path_example(team_paths())
    return "a path from the top-level team" + (f", such as {example}" if example else "")


class PeopleImportForm(CsvUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"Columns: email, name, team ({team_path_help()}), role, manager, and optionally language (de, de-DE, "
            "German or Deutsch; empty for the organisation's default)."
        )


class DimensionForm(forms.Form):
    name = forms.CharField(max_length=stored_length(Dimension, "name"))
    description = TypedTextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


SCALE_CHOICES = [(5, "5-point agreement"), (7, "7-point agreement")]


class QuestionForm(forms.Form):
    dimension = forms.ModelChoiceField(Dimension.objects.all())
    kind = forms.ChoiceField(choices=Question.Kind.choices, initial=Question.Kind.LIKERT)
    text = forms.CharField(max_length=stored_length(Question, "text"))
    scale_points = forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int, initial=5)
    reverse_scored = forms.BooleanField(required=False, help_text="Agreeing means a worse score.")
    required = forms.BooleanField(required=False, initial=True)


class QuestionEditForm(forms.Form):
    text = forms.CharField(max_length=stored_length(Question, "text"))
    scale_points = forms.TypedChoiceField(choices=SCALE_CHOICES, coerce=int)
    reverse_scored = forms.BooleanField(required=False)
    required = forms.BooleanField(required=False)


class QuestionTranslationForm(forms.Form):
    """A question's text in another language, and for a validated item the published translation it comes from."""

    language = forms.ChoiceField(
        choices=lambda: [(code, label) for code, label in languages.choices() if code != languages.default()]
    )
    text = forms.CharField(max_length=stored_length(QuestionTranslation, "text"))
    source = TypedTextField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Published source",
        help_text="For an item of a validated instrument: the citation of the validated translation this text comes "
        "from. Without one, the translation is shown as “translation not validated” to admins and in team reports.",
    )


class TemplateForm(forms.Form):
    """Name, description, and for every current question: include it? at which position?"""

    name = forms.CharField(max_length=stored_length(SurveyTemplate, "name"))
    description = TypedTextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    max_questions = forms.IntegerField(
        label="Questions per cycle, at most",
        min_value=1,
        max_value=200,
        initial=DEFAULT_MAX_QUESTIONS,
        help_text=(
            "Rated questions (agreement items and eNPS; the optional comment is not counted). When the template "
            "has more, each cycle asks whole dimensions in turn; eNPS and the comment are asked every cycle. "
            "About ten questions take two minutes."
        ),
    )
    measure_every_cycles = forms.IntegerField(
        label="Measure every dimension at least every … cycles",
        min_value=1,
        max_value=24,
        initial=DEFAULT_MEASURE_EVERY_CYCLES,
        help_text=(
            "A dimension left out of a cycle has no score for that cycle (a gap in its trend, not a zero). "
            "1 asks everything every cycle; with a monthly schedule, 3 measures each dimension at least quarterly."
        ),
    )

    def __init__(self, *args, questions: list[Question], chosen: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            position = chosen.index(question.id) + 1 if question.id in chosen else None
            self.fields[f"include_{question.id}"] = forms.BooleanField(
                required=False, initial=position is not None, label=question.text
            )
            self.fields[f"position_{question.id}"] = forms.IntegerField(
                required=False, min_value=1, initial=position, label="Position"
            )

    def rows(self):
        return [(q, self[f"include_{q.id}"], self[f"position_{q.id}"]) for q in self.questions]

    def question_ids(self) -> list[int]:
        """Return the chosen questions ordered by position, then by their order on the page."""
        chosen = [
            (self.cleaned_data.get(f"position_{q.id}") or 10_000, index, q.id)
            for index, q in enumerate(self.questions)
            if self.cleaned_data.get(f"include_{q.id}")
        ]
        return [question_id for *_, question_id in sorted(chosen)]


MAX_DAY_DIGITS = 4  # more than any survey stays open (open_days is at most 90), and far from int()'s limit


# Commas and semicolons, also as Arabic and full-width text writes them.
DAY_SEPARATORS = str.maketrans({";": ",", "\u060c": ",", "\uff0c": ",", "\uff1b": ","})


def parse_days(value: str) -> list[int]:
    """Read "2, 5" (commas or semicolons) into sorted distinct days. A day is written in decimal digits of any
    one script, as int() reads them (isdecimal, not isdigit: "²" is a digit int() refuses)."""
    days = []
    for part in value.translate(DAY_SEPARATORS).split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdecimal():
            raise ValidationError(f"“{part}” is not a whole number of days (at least 1).")
        if len(part) > MAX_DAY_DIGITS:
            raise ValidationError(f"“{part}” is more days than a survey stays open.")
        if int(part) < 1:
            raise ValidationError(f"“{part}” is not a whole number of days (at least 1).")
        days.append(int(part))
    return sorted(set(days))


class WallClockField(forms.DateTimeField):
    """A date and time as typed, returned naive: the form reads it on the clock it belongs to (a schedule's or a
    cycle's zone). Django's own field reads it in TIME_ZONE first, refusing a time that is missing or doubled
    there though it exists once in the zone meant, and a time the clocks skip in that zone, which Align takes
    as happening as much later as they jumped."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                raise ValidationError("Type a local time without a UTC offset.", code="invalid")
            return value
        if isinstance(value, date):
            return datetime.combine(value, time.min)
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if parsed is None:
            parsed = super(forms.DateTimeField, self).to_python(value)  # the input formats, as Django reads them
        if timezone.is_aware(parsed):
            raise ValidationError("Type a local time without a UTC offset.", code="invalid")
        return parsed


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=stored_length(CycleSchedule, "name"))
    template = forms.ModelChoiceField(SurveyTemplate.objects.all())
    teams = TeamsField(help_text="These teams and everything below them. Choose none for the whole organisation.")
    cadence = forms.ChoiceField(choices=CycleSchedule.Cadence.choices)
    first_opens_at = WallClockField(
        widget=DATETIME_WIDGET,
        label="First opens at",
        help_text="Local time in the time zone below. A time the clocks skip that day happens as much later.",
    )
    time_zone = forms.ChoiceField(choices=[(name, name) for name in sorted(available_timezones())], initial="UTC")
    open_days = forms.IntegerField(min_value=1, max_value=90, initial=7, label="Open for (days)")
    reminder_days = forms.CharField(
        required=False, initial="3", label="Remind after (days)", help_text="Days after opening, e.g. 2, 5."
    )
    threshold = forms.IntegerField(
        min_value=MIN_THRESHOLD,
        max_value=100,
        initial=5,
        label="Reporting threshold",
        help_text=f"Fewest respondents before anything about a group is shown (at least {MIN_THRESHOLD}).",
    )
    active = forms.BooleanField(required=False, initial=True)
    delivery = forms.TypedChoiceField(
        choices=Delivery.choices,
        required=False,
        empty_value=Delivery.EMAIL,  # a form posted without it (a script) keeps to email
        initial=Delivery.EMAIL,
        label="Send invitations and reminders by",
        help_text="Slack direct messages go to the person Slack knows by their email address; the cycle's page "
        "counts whoever Slack did not know. The link and its rules are the same on every channel.",
    )

    def clean_reminder_days(self) -> list[int]:
        return parse_days(self.cleaned_data["reminder_days"])

    def clean(self):
        """Refuse a first cycle that opens or closes outside the times Align accepts (surveys.time_limits), on the
        schedule's own clock: a year typed as "26" (0026), 1800, or 9999 for "no end"."""
        data = super().clean()
        wall, zone, days = data.get("first_opens_at"), data.get("time_zone"), data.get("open_days")
        if wall is None or zone is None:
            return data
        problem = cadence.wall_time_problem(wall, zone)
        if problem is None and days is not None and cadence.wall_time_problem(wall + days * cadence.DAY, zone):
            problem = (
                f"Open for {days} days, the first cycle would close after the times Align accepts, "
                f"{time_limits.ACCEPTED}."
            )
        if problem:
            self.add_error("first_opens_at", problem)
        return data


class ExtendForm(forms.Form):
    """A cycle's new closing time, typed and shown on the cycle's own wall clock."""

    closes_at = WallClockField(widget=DATETIME_WIDGET, label="New closing time")

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.fields["closes_at"].label = f"New closing time ({time_zone})"
        self.fields["closes_at"].help_text = "A time the clocks skip that day happens as much later."

    def clean_closes_at(self) -> datetime:
        wall = self.cleaned_data["closes_at"]
        problem = cadence.wall_time_problem(wall, self.time_zone)  # 9999-12-31 for "no end", never a later crash
        if problem:
            raise ValidationError(problem)
        return cadence.on_wall_clock(wall, self.time_zone)


class AcceptedSplitDateTimeField(forms.SplitDateTimeField):
    """The Django admin's date-and-time field, refusing a time outside the ones Align accepts (surveys.time_limits)
    like any other bad value. Django reads it in the active zone (the row's own, see surveys.admin.OnOwnClock); a
    time that zone cannot place within a datetime's range is refused too."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None:
            problem = time_limits.time_problem(moment, shown=moment.replace(tzinfo=None).isoformat(sep=" "))
            if problem:
                raise ValidationError(problem, code="outside")
        return moment


class AcceptedDateField(forms.DateField):
    """A date (a metric's period) within the ones Align accepts (surveys.time_limits)."""

    def clean(self, value):
        day = super().clean(value)
        problem = day and time_limits.date_problem(day)
        if problem:
            raise ValidationError(problem, code="outside")
        return day


# For a ModelAdmin's formfield_overrides: every date and time typed into the Django admin is checked too.
ACCEPTED_TIMES = {
    models.DateTimeField: {"form_class": AcceptedSplitDateTimeField},
    models.DateField: {"form_class": AcceptedDateField},
}


class TeamAdminForm(forms.ModelForm):
    """The Django admin's team form: the name checked as every team name is (team_name_checked: no invisible
    character, no sibling that reads the same, no "/", not inside itself)."""

    class Meta:
        model = Team
        fields = ["name", "parent"]

    def clean(self):
        data = super().clean()
        if "name" in data:
            try:
                data["name"] = team_name_checked(name=data["name"], parent=data.get("parent"), team_id=self.instance.pk)
            except ValidationError as error:
                apply_errors(self, error)
        return data


class PersonAdminForm(forms.ModelForm):
    """The Django admin's person form: the address read as the person form and the import read it (AddressField,
    then person_address_checked: stored in Align's spelling, refused when it is someone else's spelt another way),
    and the name kept and checked as person_save keeps it (names.name_stored: NFC, a run of spaces as one;
    names.person_name_problem: one line, every character seen)."""

    email = AddressField(max_length=stored_length(Person, "email"))

    class Meta:
        model = Person
        fields = ["user", "email", "name", "team", "role", "managed_teams", "is_active"]

    def clean_name(self) -> str:
        name = name_stored(self.cleaned_data["name"])
        problem = person_name_problem(name)
        if problem:
            raise ValidationError(problem)
        return name

    def clean_email(self) -> str:
        try:
            return person_address_checked(email=self.cleaned_data["email"], person_id=self.instance.pk)
        except ValidationError as error:
            raise ValidationError(error.message_dict["email"]) from None

    def clean(self):
        data = super().clean()
        user, email = data.get("user"), data.get("email")
        # The login takes the person's address as its username and email (PersonAdmin.save_model: login_follow);
        # refused here, on the form, when another login holds it.
        holder = login_holder(address=email, user_id=user.pk) if user is not None and email else None
        if holder is not None:
            self.add_error(
                "email",
                f"The login {holder.get_username()} already holds {email}: a login follows its person's address, "
                "and two logins cannot share one.",
            )
        return data
