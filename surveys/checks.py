"""System checks on stored data: `manage.py check --database default` (and `migrate`, which runs them)."""

from django.core import checks


@checks.register(checks.Tags.database)
def mixed_dimensions(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Name every dimension whose questions mix kinds or scales (`surveys.scales`): a bank from before the rule
    was enforced. Such a dimension is not scored (no group score, change or trend) until its odd questions move
    to a dimension of their own; the check says so on every `check --database` and `migrate`."""
    from django.db import connection

    from .models import Dimension, Question
    from .selectors import dimension_scales

    if not databases or Question._meta.db_table not in connection.introspection.table_names():
        return []  # `migrate` checks before it has made the tables

    mixed = [dimension_id for dimension_id, scale in dimension_scales().items() if scale is None]
    return [
        checks.Warning(
            f"Dimension {dimension.name!r} ({dimension.key}) mixes kinds or scales of question, so it is not scored.",
            hint="Move its eNPS, comment or other-scale questions to a dimension of their own: a dimension holds one "
            "kind of question on one scale.",
            obj=dimension,
            id="surveys.W001",
        )
        for dimension in Dimension.objects.filter(id__in=mixed).order_by("key")
    ]
