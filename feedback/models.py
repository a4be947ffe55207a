"""What comes out of the survey data: aggregate scores per cycle, group and dimension."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from surveys.models import Cycle, Dimension, Question, Team


class GroupScore(models.Model):
    """A dimension's aggregate for one group (a team and everything below it) in one cycle.

    Stored for every group with respondents. Whether it may be shown depends on the groups around it; it is
    decided once, when the cycle is aggregated, by `feedback.disclosure` over the cycle's frozen tree, and
    every reader filters on `shown` (through `feedback.selectors`).
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="scores")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="scores")
    respondents = models.PositiveIntegerField()
    mean = models.FloatField(help_text="Scale mean after reverse scoring; 0–10 for eNPS.")
    sd = models.FloatField(null=True, help_text="Sample standard deviation of respondents' scale scores.")
    favourable = models.FloatField(
        null=True, help_text="Share of item answers in the top two points of the scale, 0–1."
    )
    enps = models.FloatField(null=True, help_text="% promoters − % detractors, −100…100.")
    # Against the group's previous cycle with this dimension (feedback.statistics.change_between and
    # enps_change_between): p < 0.05 exactly when the 95% interval excludes zero.
    previous_cycle = models.ForeignKey(Cycle, null=True, on_delete=models.SET_NULL, related_name="+")
    change = models.FloatField(null=True, help_text="Scale points; eNPS points for eNPS.")
    change_ci_low = models.FloatField(null=True)
    change_ci_high = models.FloatField(null=True)
    change_p = models.FloatField(null=True, help_text="Two-sided: Welch's t-test; eNPS: adjusted Wald z-test.")
    change_flagged = models.BooleanField(default=False, help_text="Significant and at least the practical size.")
    shown = models.BooleanField(default=False, help_text="Disclosure control lets this figure be shown.")
    change_shown = models.BooleanField(
        default=False, help_text="The change may be shown: this figure and the previous cycle's are both shown."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "team", "dimension"], name="group_score_unique"),
        ]


class ItemScore(models.Model):
    """One question's aggregate for one group in one cycle, with the full distribution of answers."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="item_scores")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    respondents = models.PositiveIntegerField()
    mean = models.FloatField(help_text="After reverse scoring.")
    sd = models.FloatField(null=True)
    favourable = models.FloatField(null=True)
    distribution = models.JSONField(help_text="Answer (as asked, before reverse scoring) → count.")
    shown = models.BooleanField(default=False, help_text="Disclosure control lets this item's figures be shown.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "team", "question"], name="item_score_unique")]


class ParticipationFigure(models.Model):
    """A group's invited and answered counts in a closed cycle, and whether the answered count may be shown.

    One row per group with invitees (never per respondent, so no row exists because someone answered);
    decided with every other figure of the cycle by the disclosure audit (`disclosure_audit.settle`).
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participation")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    invited = models.PositiveIntegerField(help_text="The group's invitees, everyone below it included.")
    answered = models.PositiveIntegerField()
    shown = models.BooleanField(default=False, help_text="Disclosure control lets the answered count be shown.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "team"], name="participation_figure_unique")]


class DimensionReliability(models.Model):
    """Cronbach's α of a dimension's items over the whole organisation in one cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reliabilities")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    alpha = models.FloatField(null=True, help_text="Undefined with fewer than 2 items or 3 complete responses.")
    respondents = models.PositiveIntegerField(help_text="Responses that answered every item of the dimension.")
    items = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "dimension"], name="dimension_reliability_unique"),
        ]


class DriverEstimate(models.Model):
    """How one dimension's score goes with an outcome's across one group's responses in one cycle (a driver).

    Computed at aggregation (`feedback.services.drivers`, maths in `feedback.drivers`) and stored only for a
    group whose figures for every dimension read are shown, over exactly those figures' respondents, and at
    least `feedback.drivers.minimum_respondents(threshold)` of them: its n is always a shown n.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="drivers")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    outcome = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    respondents = models.PositiveIntegerField(help_text="Responses with every dimension read answered.")
    rho = models.FloatField(help_text="Spearman's rank correlation with the outcome, −1…1.")
    rho_ci_low = models.FloatField(null=True, help_text="95% BCa bootstrap interval of ρ.")
    rho_ci_high = models.FloatField(null=True)
    p = models.FloatField(help_text="Two-sided, uncorrected (t approximation).")
    p_holm = models.FloatField(help_text="Holm-adjusted across this group's drivers of this outcome.")
    importance = models.FloatField(null=True, help_text="Share of the outcome's R² (general dominance), 0–1.")
    importance_ci_low = models.FloatField(null=True)
    importance_ci_high = models.FloatField(null=True)
    r_squared = models.FloatField(null=True, help_text="Of the outcome's ranks on every driver's ranks, 0–1.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "team", "outcome", "dimension"], name="driver_estimate_unique"),
        ]


class MetricDefinition(models.Model):
    """A delivery or business measure that survey results can be read against."""

    class Category(models.TextChoices):
        DELIVERY = "delivery", "Delivery"
        BUSINESS = "business", "Business"
        QUALITY = "quality", "Quality"
        CUSTOM = "custom", "Custom"

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "Higher is better"
        LOWER_IS_BETTER = "lower", "Lower is better"

    class Rollup(models.TextChoices):
        SUM = "sum", "Sum"
        MEAN = "mean", "Mean"
        LAST = "last", "Last value"

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=30, blank=True)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.CUSTOM)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    time_rollup = models.CharField(
        max_length=4, choices=Rollup.choices, default=Rollup.SUM, help_text="How values combine over time."
    )
    team_rollup = models.CharField(
        max_length=4, choices=Rollup.choices, default=Rollup.SUM, help_text="How values combine up the team tree."
    )
    builtin = models.BooleanField(default=False, help_text="Computed by Align (DORA); not accepted from outside.")

    class Meta:
        ordering = ["category", "key"]

    def __str__(self) -> str:
        return self.name


class MetricValue(models.Model):
    """One value of a metric for a team (or the whole organisation) over a period. Writes are upserts."""

    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="values")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="metric_values", help_text="Empty: org."
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="Inclusive.")
    value = models.FloatField()
    source = models.CharField(max_length=30, default="api")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["metric", "period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="metric_value_period_ends_after_start"
            ),
            # Two partial constraints rather than one: a NULL team would otherwise never collide.
            models.UniqueConstraint(
                fields=["metric", "team", "period_start", "period_end"],
                condition=Q(team__isnull=False),
                name="metric_value_unique_per_team_period",
            ),
            models.UniqueConstraint(
                fields=["metric", "period_start", "period_end"],
                condition=Q(team__isnull=True),
                name="metric_value_unique_per_org_period",
            ),
        ]
        indexes = [models.Index(fields=["team", "period_start"], name="metric_value_team_period_idx")]


class ApiToken(models.Model):
    """A machine's credential: for the ingestion API, or for the identity provider's SCIM provisioning
    (surveys.scim). Only a SHA-256 of the token is kept; a token opens only what its scope names."""

    class Scope(models.TextChoices):
        INGEST = "ingest", "Ingest metrics and delivery events"
        SCIM = "scim", "Provision people and teams (SCIM)"

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, help_text="The token's first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.INGEST)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Repository(models.Model):
    """A code repository whose deployments, changes and incidents count for a team."""

    # GitHub names owners and repositories in ASCII letters, digits, "-", "_" and "." only, and compares them
    # ignoring ASCII case (github.com/Acme/API is github.com/acme/api; a second repository differing only in
    # case is refused). Keeping the names ASCII makes the database's lower() and GitHub's comparison agree.
    full_name = models.CharField(
        max_length=200,
        validators=[RegexValidator(r"\A[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z", "Write the repository as owner/name.")],
        help_text="owner/name, as GitHub spells it; matched ignoring case, as GitHub does.",
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="repositories")
    # GitHub's repository id outlives renames and transfers (full_name changes, id does not): learnt from the
    # first event matched by name, then events are matched by it.
    github_id = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("full_name"), name="repository_unique_ignoring_case")]

    def __str__(self) -> str:
        return self.full_name


class RawEvent(models.Model):
    """A delivery event exactly as received. Append-only; deduplicated by the sender's delivery id."""

    source = models.CharField(max_length=20)
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=50)
    received_at = models.DateTimeField(auto_now_add=True)
    body = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "delivery_id"], name="raw_event_delivered_once")]


class Deployment(models.Model):
    """A successful production deployment."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployments")
    source = models.CharField(max_length=20, default="api")
    external_id = models.CharField(max_length=100)
    environment = models.CharField(max_length=50, default="production")
    marked_production = models.BooleanField(
        default=False,
        help_text="The sender marked its environment a production one (GitHub's production_environment: true); "
        "then it counts whatever the environment is called.",
    )
    finished_at = models.DateTimeField()
    shas = models.JSONField(default=list, blank=True, help_text="Commits it shipped, if the sender knows them.")
    state_at = models.DateTimeField(
        null=True, blank=True, help_text="The sender's time of the state held; an event no newer changes nothing."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="deployment_unique_per_source")]
        indexes = [models.Index(fields=["team", "finished_at"], name="deployment_team_time_idx")]


class Change(models.Model):
    """A commit that reached the main branch (directly or by a merged pull request)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="changes")
    sha = models.CharField(max_length=64, help_text="The commit id; lower case when hexadecimal, as Git writes it.")
    authored_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "sha"], name="change_unique_per_team"),
            models.CheckConstraint(
                condition=Q(authored_at__isnull=False) | Q(merged_at__isnull=False), name="change_has_a_time"
            ),
        ]

    @property
    def committed_at(self):
        return self.authored_at or self.merged_at


class Incident(models.Model):
    """A production incident; optionally naming the deployment or commit at fault. Only counted ones are."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="incidents")
    source = models.CharField(max_length=20, default="api")
    external_id = models.CharField(max_length=100)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    deployment = models.ForeignKey(Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as sent, so a deployment that arrives after the incident naming it is still linked to it.
    deployment_external_id = models.CharField(max_length=100, blank=True)
    sha = models.CharField(max_length=64, blank=True)
    counted = models.BooleanField(
        default=True,
        help_text="False for an issue that is not, or no longer, an incident (no incident label, deleted); "
        "kept so that an older event arriving late cannot make it one.",
    )
    state_at = models.DateTimeField(
        null=True, blank=True, help_text="The sender's time of the state held; an event no newer changes nothing."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="incident_unique_per_source"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="incident_resolved_after_opened",
            ),
        ]


class DoraDirty(models.Model):
    """A team's week whose DORA figures must be recomputed because events for it arrived."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "week_start"], name="dora_dirty_once")]


class JobRun(models.Model):
    """A background job's status and progress, for admins to see (and for tests to assert on)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30)
    subject = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]


class Finding(models.Model):
    """One tested association of a survey dimension with a metric, from the latest correlation run."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="findings")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="findings")
    lag = models.PositiveSmallIntegerField(help_text="0: same cycle; 1: the metric one cycle later.")
    n_teams = models.PositiveIntegerField()
    n_points = models.PositiveIntegerField(help_text="Team-cycles with both a shown score and a metric value.")
    r = models.FloatField(help_text="Repeated-measures (within-team) correlation.")
    ci_low = models.FloatField()
    ci_high = models.FloatField()
    p = models.FloatField(help_text="Permutation p-value (metric shuffled within teams).")
    q = models.FloatField(help_text="Benjamini–Hochberg adjusted across every pair tested in the run.")
    direction = models.CharField(max_length=6, help_text="Whether higher scores went with a better metric.")
    significant = models.BooleanField()
    sentence = models.TextField()
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["q", "dimension", "metric", "lag"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "metric", "lag"], name="finding_one_per_pair_and_lag"),
        ]


class TeamFinding(models.Model):
    """One team's own correlations of dimensions with metrics, where it has enough cycles on its own: one row per
    team, written whole by each analysis run (`feedback.services.correlations.findings_replace`).

    pairs: {"columns": ["dimension", "metric", "lag", "n_points", "r", "ci_low", "ci_high", "p", "q",
    "significant"], "rows": one list of those values per pair, in dimension, metric and lag order}: dimension and
    metric ids, the lag in cycles, the team-cycles, Pearson's r of the team's points and its 95% interval, the
    team's own permutation p, q (Benjamini–Hochberg across every team-level test of the run) and whether
    q ≤ 0.05. One row per team rather than per team and pair: 160 pairs at 5,000 teams would be
    800,000 rows rewritten on every run.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="own_findings")
    pairs = models.JSONField(help_text="The team's own test of each dimension, metric and lag (see the model).")


class ReportAccess(models.Model):
    """Who viewed or exported which report, for admins to audit. Never written for survey answering."""

    class Format(models.TextChoices):
        PAGE = "page", "Page"
        CSV = "csv", "CSV"
        PDF = "pdf", "PDF"
        API = "api", "API (JSON)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    viewer = models.CharField(max_length=254, help_text="The login, kept if it is deleted; or 'team results link'.")
    report = models.CharField(max_length=30)
    subject = models.CharField(max_length=200, help_text="The group and filters the report was for.")
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.PAGE)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["-at"], name="report_access_at_idx")]


class Action(models.Model):
    """What a team will change after a cycle's results ("you said, we did"), recorded by its manager."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="actions")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class DigestSent(models.Model):
    """A weekly digest claimed for one login and week, so a retried job never sends it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week_start"], name="digest_once_per_week")]
