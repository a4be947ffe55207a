"""The leadership dashboard: a subtree's trends, heatmap, movers, findings and metrics, with CSV exports."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from alignsite.downloads import csv_attachment
from surveys.csv_table import write_table

from .. import charts, selectors, services, tables
from ..forms import DashboardFilters
from ..models import ReportAccess
from ..selectors.dashboard import SCATTER_TEAMS
from ..selectors.dashboard import dashboard as dashboard_read
from ..selectors.summary import dashboard_summary
from .drivers import drivers_context, drivers_table


def dashboard_tables(data) -> dict[str, tables.Table]:
    """Return every table of the dashboard by name: the page's data tables and the CSV exports."""
    return {
        "participation": tables.participation_table(data.participation),
        "trends": tables.trend_table(data.trends),
        "heatmap": tables.heatmap_table(data.heatmap, data.dimensions, data.heat_cycle, scales=data.scales),
        "movers": tables.movers_table(data.movers),
        "findings": tables.findings_table(data.findings),
        "metrics": tables.metrics_table(data.metrics),
        "reliability": tables.reliability_table(data.reliability),
    }


def csv_response(table: tables.Table, *, filename: str) -> HttpResponse:
    return csv_attachment(write_table(table.header, table.rows), filename=filename)


@login_required
@require_GET
def dashboard(request):
    visible = selectors.teams_visible_to(user=request.user).select_related("parent").order_by("name")
    form = DashboardFilters(request.GET)
    rejected = {} if form.is_valid() else form.errors
    # A refused filter shows the default view of the group asked for, not of another: the group stays.
    kept = {"root": form.cleaned_data["root"]} if form.cleaned_data.get("root") is not None else {}
    if rejected:
        # Malformed filters are a URL someone typed: say which were left out, show the default view (400).
        form = _default_filters(kept)
    filters = form.cleaned_data
    scope = list(visible)
    if not scope:
        raise Http404
    if filters["root"] is not None:
        root = next((team for team in scope if team.id == filters["root"]), None)
        if root is None:
            raise Http404  # outside the viewer's scope, or no such team: the same answer
    else:
        ids = {team.id for team in scope}
        root = next((team for team in scope if team.parent_id not in ids), scope[0])
    data = _dashboard_of(root, filters)
    if not rejected and form.refuse_unreported(data.reporting, group=root.name):
        # A closed cycle that does not report on this group (a one-off of one of its teams): refused, naming it.
        rejected, form = form.errors, _default_filters(kept)
        filters = form.cleaned_data
        data = _dashboard_of(root, filters)
    section = drivers_context(
        request, team=root, cycle=data.heat_cycle, keep=["root", "first", "last", "cycle", "dimension"], csv=True
    )
    named = dashboard_tables(data) | {"drivers": drivers_table(section["drivers"])}
    subject = f"{root.name}; cycles {data.cycles[0].name if data.cycles else '-'} to "
    subject += f"{data.cycles[-1].name if data.cycles else '-'}"
    if filters["export"] and filters["export"] != "pdf":
        services.report_access_record(
            user=request.user, report=f"dashboard:{filters['export']}", subject=subject, output=ReportAccess.Format.CSV
        )
        return csv_response(named[filters["export"]], filename=f"align-{filters['export']}.csv")
    pdf = filters["export"] == "pdf"
    services.report_access_record(
        user=request.user, report="dashboard", subject=subject, output=ReportAccess.Format.PDF if pdf else "page"
    )
    query = request.GET.copy()
    query.pop("export", None)
    figures = {
        "participation": charts.participation_figure(data.participation),
        "trends": charts.trend_figure(data.trends, enps=False, scales=data.scales),
        "enps": charts.trend_figure(data.trends, enps=True, scales=data.scales),
        "timeline": charts.timeline_figure(data.trends, data.metrics, scales=data.scales),
    }
    findings = [
        {"view": view, "figure_id": f"figure-finding-{view.finding.id}", "figure": charts.finding_figure(view)}
        if view.points
        else {"view": view}
        for view in data.findings
    ]
    context = {
        "data": data,
        "scope": scope,
        "all_cycles": data.reporting,
        "form": form,
        "tables": named,
        "figures": figures,
        "findings": findings,
        "last_cycle_id": data.cycles[-1].id if data.cycles else None,
        "query": query.urlencode(),
        "has_enps": any(t.enps for t in data.trends),
        "scatter_teams": SCATTER_TEAMS,
        "rejected": rejected,
        "summary": dashboard_summary(data=data, drivers=section["drivers"] or None),
    } | section
    if pdf:
        return pdf_response(request, "feedback/dashboard.html", context, filename="align-dashboard.pdf")
    return render(request, "feedback/dashboard.html", context, status=400 if rejected else 200)


def _default_filters(kept: dict) -> DashboardFilters:
    """Return the filters of the default view, keeping `kept` (the group asked for)."""
    form = DashboardFilters(kept)
    form.is_valid()
    return form


def _dashboard_of(root, filters: dict):
    return dashboard_read(
        root=root,
        first_cycle=filters["first"],
        last_cycle=filters["last"],
        heat_cycle=filters["cycle"],
        dimension_ids=[d.id for d in filters["dimension"]] or None,
    )


def pdf_response(request, template: str, context: dict, *, filename: str) -> HttpResponse:
    """Return a report page printed to PDF, or a plain 503 page saying why it cannot be made here."""
    html = render_to_string(template, context | {"printing": True}, request=request)
    try:
        body = services.report_pdf(html=html)
    except services.PdfUnavailable as error:
        # A page, not a file: the export links carry no `download` attribute, so the person reads this.
        query = request.GET.copy()
        query.pop("export", None)
        back = f"{request.path}?{query.urlencode()}" if query else request.path
        return render(request, "feedback/pdf_unavailable.html", {"reason": str(error), "back": back}, status=503)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
