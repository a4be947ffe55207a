"""The leadership dashboard: a subtree's trends, heatmap, movers, findings and metrics, with CSV exports."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from alignsite.downloads import csv_attachment
from surveys.csv_table import write_table

from .. import charts, selectors, services, tables
from ..forms import DashboardFilters
from ..models import ReportAccess
from ..selectors.dashboard import SCATTER_POINTS
from ..selectors.dashboard import dashboard as dashboard_read
from ..selectors.summary import dashboard_summary
from .drivers import drivers_context, drivers_table


def dashboard_tables(data, *, only: str | None = None) -> dict[str, tables.Table]:
    """Return the dashboard's tables by name: the page's data tables, or `only` the one named (a CSV export).

    The heatmap's table is a CSV only (the page writes its heatmap itself), so the page does not build it: at
    500 teams it has 4,400 cells.
    """
    builders = {
        "participation": lambda: tables.participation_table(data.participation),
        "trends": lambda: tables.trend_table(data.trends),
        "heatmap": lambda: tables.heatmap_table(data.heatmap, data.dimensions, data.heat_cycle, scales=data.scales),
        "movers": lambda: tables.movers_table(data.movers),
        "findings": lambda: tables.findings_table(data.findings),
        "metrics": lambda: tables.metrics_table(data.metrics),
        "reliability": lambda: tables.reliability_table(data.reliability),
    }
    names = [only] if only in builders else [name for name in builders if name != "heatmap"]
    return {name: builders[name]() for name in names}


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
    # The group asked for, or the first by name of the viewer's top groups.
    asked = filters["root"]
    root = (visible.filter(id=asked) if asked is not None else _top_groups(visible)).first()
    if root is None:
        raise Http404  # outside the viewer's scope, no such team, or no team at all: the same answer
    data = _dashboard_of(root, filters)
    if not rejected and form.refuse_unreported(data.reporting, group=root.name):
        # A closed cycle that does not report on this group (a one-off of one of its teams): refused, naming it.
        rejected, form = form.errors, _default_filters(kept)
        filters = form.cleaned_data
        data = _dashboard_of(root, filters)
    section = drivers_context(
        request, team=root, cycle=data.heat_cycle, keep=["root", "first", "last", "cycle", "dimension"], csv=True
    )
    csv = filters["export"] if filters["export"] != "pdf" else None
    named = dashboard_tables(data, only=csv) | {"drivers": drivers_table(section["drivers"])}
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
        "scope": group_choices(visible, root=root, path=data.path),
        "all_cycles": data.reporting,
        "form": form,
        "tables": named,
        "figures": figures,
        "findings": findings,
        "last_cycle_id": data.cycles[-1].id if data.cycles else None,
        "query": query.urlencode(),
        "has_enps": any(t.enps for t in data.trends),
        "scatter_points": SCATTER_POINTS,
        "rejected": rejected,
        "summary": dashboard_summary(data=data, drivers=section["drivers"] or None),
    } | section
    if pdf:
        return pdf_response(request, "feedback/dashboard.html", context, filename="align-dashboard.pdf")
    return render(request, "feedback/dashboard.html", context, status=400 if rejected else 200)


def group_choices(visible, *, root, path: list[int]) -> list:
    """Return the groups the group picker lists, by name: of those the viewer may open (`visible`), the
    viewer's top groups, the groups on the way down to `root` (`path`: it and those above it), those beside
    it and those directly below it. Never every team: at 5,000 teams a list of them all was most of the
    page; the heatmap links each group to its own dashboard, which lists the groups below it."""
    nearby = Q(id__in=path) | Q(parent_id=root.parent_id) | Q(parent_id=root.id)
    return list(visible.filter(nearby | Q(id__in=_top_groups(visible).values("id"))))


def _top_groups(visible):
    """Return the viewer's top groups: those whose parent the viewer may not open (none, for an organisation)."""
    return visible.exclude(parent__in=visible.values("id"))


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
        whole_heatmap=filters["export"] == "heatmap",  # the page and the PDF show the rows that fit; the CSV all
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
