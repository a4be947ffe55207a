"""What comes out of the survey data: aggregate scores per cycle, group and dimension."""

from django.db import models

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
