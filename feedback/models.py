"""What comes out of the survey data: aggregate scores per cycle, group and dimension."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from surveys.models import Cycle, Dimension, Team


class GroupScore(models.Model):
    """A dimension's aggregate for one group (a team and everything below it) in one cycle.

    Stored for every group with respondents; whether it may be shown is decided when reading, by the
    disclosure rules in `feedback.selectors`, because it depends on the groups around it.
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "team", "dimension"], name="group_score_unique"),
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
    """A machine's credential for the ingestion API. Only a SHA-256 of the token is kept."""

    class Scope(models.TextChoices):
        INGEST = "ingest", "Ingest metrics and delivery events"

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
