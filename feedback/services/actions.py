"""Recording what a team will change after its results ("you said, we did")."""

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from surveys.models import Cycle, Team
from surveys.typed_text import text_stored, text_typed, typed_length

from ..models import Action

ACTION_MAX_LENGTH = 2000


def action_record(*, team: Team, cycle: Cycle, text: str, user) -> Action:
    """Record an action for a team after a published cycle; raise ValidationError for anything else."""
    # Counted as the text box counts it (a line break is one character, however the browser sends it).
    text = text_typed(text)
    if not text:
        raise ValidationError("Write what the team will change.")
    if typed_length(text) > ACTION_MAX_LENGTH:
        raise ValidationError(f"Keep it to {ACTION_MAX_LENGTH} characters or fewer.")
    ProhibitNullCharactersValidator()(text)  # PostgreSQL's text cannot hold one
    if cycle.state != Cycle.State.PUBLISHED:
        raise ValidationError("Actions are recorded once the cycle's results are published.")
    return Action.objects.create(team=team, cycle=cycle, text=text_stored(text), created_by=user)
