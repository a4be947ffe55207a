"""Django admin for power users. Group scores are read through reports, where disclosure control applies;
the admin does not list them. Raw events are read-only: the table is append-only."""

from django.contrib import admin

from surveys.admin_forms import ACCEPTED_TIMES

from .models import (
    ApiToken,
    Deployment,
    Finding,
    Incident,
    JobRun,
    MetricDefinition,
    MetricValue,
    RawEvent,
    Repository,
    TeamFinding,
)


@admin.register(MetricDefinition)
class MetricDefinitionAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "unit", "category", "direction", "builtin"]


@admin.register(MetricValue)
class MetricValueAdmin(admin.ModelAdmin):
    formfield_overrides = ACCEPTED_TIMES  # dates and times Align accepts (surveys.time_limits)
    list_display = ["metric", "team", "period_start", "period_end", "value", "source"]
    list_filter = ["metric", "source"]


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["full_name", "team"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    formfield_overrides = ACCEPTED_TIMES  # dates and times Align accepts (surveys.time_limits)
    list_display = ["external_id", "team", "environment", "finished_at", "source"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    formfield_overrides = ACCEPTED_TIMES  # dates and times Align accepts (surveys.time_limits)
    list_display = ["external_id", "team", "opened_at", "resolved_at", "source"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    formfield_overrides = ACCEPTED_TIMES  # dates and times Align accepts (surveys.time_limits)
    list_display = ["name", "prefix", "scope", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]


@admin.register(RawEvent)
class RawEventAdmin(admin.ModelAdmin):
    list_display = ["source", "event", "delivery_id", "received_at"]
    list_filter = ["source", "event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    formfield_overrides = ACCEPTED_TIMES  # dates and times Align accepts (surveys.time_limits)
    list_display = ["kind", "subject", "status", "progress", "total", "started_at", "finished_at", "message"]
    list_filter = ["kind", "status"]


class ComputedOnly(admin.ModelAdmin):
    """Show figures the analysis computes (`feedback.services.correlations`) without letting anyone type them:
    an edited r or q would be shown on every dashboard as a finding the data never gave."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(ComputedOnly):
    list_display = ["dimension", "metric", "lag", "r", "q", "n_teams", "n_points", "significant"]
    list_filter = ["significant", "lag"]


@admin.register(TeamFinding)
class TeamFindingAdmin(ComputedOnly):
    list_display = ["team", "tested", "significant"]

    @admin.display(description="pairs tested")
    def tested(self, obj):
        return len(obj.pairs["rows"])

    @admin.display(description="at q ≤ 0.05")
    def significant(self, obj):
        return sum(row[-1] for row in obj.pairs["rows"])
