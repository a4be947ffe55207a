"""Admin pages for where metrics come from (API tokens, metric definitions, CSV uploads, repositories) and the
report audit log."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from surveys.access import admin_required
from surveys.admin_forms import CsvUploadForm, apply_errors, team_path_help
from surveys.models import Team
from surveys.names import path_example
from surveys.selectors import team_paths
from surveys.views.pages import confirmation_page, confirmed

from .. import metrics_csv, services
from ..models import ApiToken, MetricDefinition, ReportAccess, Repository
from ..services.github import github_repository_connect, unmatched_repositories
from ..services.metrics import metric_rows_matched, percent_fraction_warnings

UPLOAD_SALT = "align.metrics-upload"


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Deploy pipeline” or “Okta”.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.INGEST,
        required=False,  # a form without it (as before SCIM) makes an ingestion token
        widget=forms.RadioSelect,
        help_text="A token opens only its own scope: the metrics API, or SCIM provisioning of people and teams.",
    )


@admin_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = TokenForm(request.POST or None)
    secret = created = None
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data["scope"] or ApiToken.Scope.INGEST
        created, secret = services.api_token_create(
            name=form.cleaned_data["name"], created_by=request.user, scope=scope
        )
        form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "created": created,
        "tokens": ApiToken.objects.order_by("-created_at"),
        "scim_base_url": settings.SITE_URL + reverse("scim:root").rstrip("/"),
    }
    response = render(request, "feedback/api_tokens.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # the page may show a secret once
    return response


@admin_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, id=token_id)
    if token.revoked_at is None and not confirmed(request):
        return confirmation_page(
            request,
            title=f"Revoke the token {token.name}?",
            consequence=f"Every request with it ({token.prefix}…) gets 401 from then on; a revoked token cannot "
            "be restored (create a new one).",
            submit="Revoke",
            cancel_url=reverse("feedback:manage_api_tokens"),
        )
    if services.api_token_revoke(token_id=token.id):
        messages.success(request, f"Revoked {token.name}. Requests with it now get 401.")
    return redirect("feedback:manage_api_tokens")


class MetricDefinitionForm(forms.ModelForm):
    class Meta:
        model = MetricDefinition
        fields = ["key", "name", "unit", "category", "direction", "time_rollup", "team_rollup"]


class MetricUploadForm(CsvUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"Columns: metric, team ({team_path_help()}; empty for the whole organisation), period_start, "
            "period_end, value."
        )


class RepositoryForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Repository", help_text="owner/name, as on GitHub.")
    team = forms.ModelChoiceField(Team.objects.all())


@admin_required
@require_http_methods(["GET", "POST"])
def metrics(request):
    form = MetricDefinitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.metric_definition_create(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Metric added.")
            return redirect("feedback:manage_metrics")
    context = {"form": form, "definitions": MetricDefinition.objects.order_by("category", "key")}
    return render(request, "feedback/metrics.html", context, status=400 if form.errors else 200)


def _service_rows(rows: list[metrics_csv.CsvRow]) -> list[services.MetricRow]:
    return [
        services.MetricRow(r.metric, r.team or None, r.period_start, r.period_end, r.value, percent=r.percent)
        for r in rows
    ]


def _preview(text: str) -> tuple[list[metrics_csv.CsvRow], list[str], int, int, list[str]]:
    """Return the file's rows with every problem of every line on it, its file errors, what saving would do, and
    warnings that do not stop saving (values of a % metric that look like fractions).

    The rules (unknown metric or team, a duplicate) are checked on every line, also those whose cells could not
    all be read, so that one upload shows every problem; a cell that could not be read is reported once.
    """
    rows, file_errors = metrics_csv.parse(text)
    if file_errors:
        return rows, file_errors, 0, 0, []
    created, updated, errors = services.metric_values_plan(rows=_service_rows(rows))
    warnings = percent_fraction_warnings(rows=_service_rows(rows))
    for error in errors:
        row = rows[error.index]
        if error.field in ("period_start", "period_end", "value") and getattr(row, error.field) is None:
            continue  # its cell's own message is on the line already
        if error.same_as is not None:
            row.errors.append(f"Same metric, team and period as line {rows[error.same_as].line}.")
        else:
            row.errors.append(error.message)
    # Each line as saving reads it: the stored key and team path it matched, not the spelling typed.
    for row, (metric, team) in zip(rows, metric_rows_matched(rows=_service_rows(rows)), strict=True):
        row.metric, row.team = metric or row.metric, team or row.team
    return rows, file_errors, created, updated, warnings


@admin_required
@require_http_methods(["GET", "POST"])
def metrics_upload(request):
    """Upload → preview (every line as read, with its problems; what would be added or replaced) → confirm."""
    if request.method == "POST" and "confirm" in request.POST:
        try:
            text = signing.loads(request.POST["confirm"], salt=UPLOAD_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, "That preview has expired or was altered; please upload the file again.")
            return redirect("feedback:manage_metrics_upload")
        rows, file_errors = metrics_csv.parse(text)
        errors = file_errors or [row for row in rows if row.errors]
        if not errors:
            parsed = _service_rows(rows)
            created, updated, errors = services.metric_values_upsert(rows=parsed, source="csv", max_rows=len(parsed))
        if errors:
            messages.error(request, "The file no longer validates; nothing was saved.")
            return redirect("feedback:manage_metrics_upload")
        messages.success(request, f"Saved: {created} added, {updated} replaced.")
        return redirect("feedback:manage_metrics")
    form = MetricUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["file"]
        rows, file_errors, created, updated, warnings = _preview(text)
        bad = [row for row in rows if row.errors]
        valid = not file_errors and not bad
        context = {
            "file_errors": file_errors,
            "rows": rows,
            "bad_rows": bad,
            "valid": valid,
            "created": created,
            "updated": updated,
            "warnings": warnings,
            "confirm": signing.dumps(text, salt=UPLOAD_SALT, compress=True) if valid else "",
        }
        return render(request, "feedback/metrics_upload.html", context, status=200 if valid else 400)
    status = 400 if form.errors else 200
    context = {"form": form, "path_example": path_example(team_paths())}
    return render(request, "feedback/metrics_upload.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def repositories(request):
    form = RepositoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, kept = github_repository_connect(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            message = "Connected. Its GitHub events now count for the team."
            if kept:
                message += f" The {kept} deliver{'y' if kept == 1 else 'ies'} received before are being counted."
            messages.success(request, message)
            return redirect("feedback:manage_repositories")
    context = {
        "form": form,
        "repositories": Repository.objects.select_related("team").order_by("full_name"),
        "unmatched": unmatched_repositories(),
        "webhook": request.build_absolute_uri(reverse("webhook-github")),
    }
    return render(request, "feedback/repositories.html", context, status=400 if form.errors else 200)


@admin_required
@require_http_methods(["GET"])
def audit_log(request):
    """Show who viewed or exported which report, newest first (the latest 500)."""
    entries = ReportAccess.objects.order_by("-at")[:500]
    return render(request, "feedback/audit_log.html", {"entries": entries})
