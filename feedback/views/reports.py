"""Report pages for managers, leaders and admins, and the team results page for members."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from alignsite.secret_addresses import secret_address
from surveys.models import Cycle
from surveys.selectors import dimension_scales, team_paths, team_subtree_ids, translations_not_validated

from .. import charts, selectors, services, tables
from ..forms import TeamReportQuery
from ..models import ReportAccess
from ..selectors.metrics import metric_timeline
from .dashboard import csv_response, pdf_response
from .drivers import drivers_context, drivers_table


@login_required
@require_GET
def home(request):
    """List the teams whose reports the viewer may open, by their place in the tree (a department, then its teams).

    Someone who may open none (a member given a login) lands on their own team's published results instead.
    """
    visible = set(selectors.teams_visible_to(user=request.user).values_list("id", flat=True))
    person = None if visible else selectors.viewer_person(request.user)
    if person is not None:
        return _results_page(request, person.team)
    teams = sorted(
        ((path.replace("/", " / "), team_id) for path, team_id in team_paths().items() if team_id in visible),
        key=lambda team: team[0].casefold(),
    )
    return render(request, "feedback/home.html", {"teams": teams})


def _cycle_shown(request, reports) -> tuple[dict, TeamReportQuery]:
    """Return the template context of the cycle a report shows (`?cycle=`, the latest by default) with its
    cycle picker, and the parsed query. A cycle that is not one of the report's is said and the latest shown."""
    query = TeamReportQuery(request.GET, cycles=[report.cycle for report in reports])
    chosen = query.cleaned_data.get("cycle") if query.is_valid() else None
    shown = [report for report in reports if report.cycle.id == chosen] or reports[:1]
    context = {
        "sections": [{"report": report} for report in shown],
        "cycles": [report.cycle for report in reports],
        "chosen": shown[0].cycle if shown else None,
        # Each dimension's scale from its questions, written beside its score ("(1–7)"), whatever a cycle asked.
        "scales": dimension_scales(dimension_ids={cell.dimension.id for report in reports for cell in report.cells}),
    }
    return context, query


@login_required
@require_GET
def team_report(request, team_id: int):
    # Outside the viewer's scope is a 404, the same as a team that does not exist: ids cannot be probed.
    team = get_object_or_404(selectors.teams_visible_to(user=request.user), id=team_id)
    reports = selectors.team_report(team=team)
    since = reports[-1].cycle.opens_at.date() - timedelta(days=90) if reports else None
    metrics = metric_timeline(team_ids=team_subtree_ids([team.id]), since=since) if since else []
    shown, query = _cycle_shown(request, reports)
    section = drivers_context(request, team=team, cycle=shown["chosen"], keep=["cycle"], csv=True)
    named = {
        "scores": tables.scores_table(reports),
        "items": tables.items_table(reports),
        "metrics": tables.metrics_table(metrics),
        "drivers": drivers_table(section["drivers"]),
    }
    if not query.is_valid():
        # A URL someone typed: say what was left out, and show the report itself (400), as the dashboard does.
        left_out = "; ".join(f"{name}: {errors[0]}" for name, errors in query.errors.items())
        messages.error(request, f"These parameters were not understood and were left out: {left_out}")
    export = query.cleaned_data.get("export") if query.is_valid() else None
    if export in named:
        services.report_access_record(
            user=request.user, report=f"team_report:{export}", subject=team.name, output=ReportAccess.Format.CSV
        )
        return csv_response(named[export], filename=f"align-team-{export}.csv")
    pdf = export == "pdf"
    services.report_access_record(
        user=request.user, report="team_report", subject=team.name, output=ReportAccess.Format.PDF if pdf else "page"
    )
    context = (
        shown
        | {
            "team": team,
            "tables": named,
            "trend_figure": (
                charts.trend_figure(selectors.team_trends(reports), enps=False, scales=shown["scales"])
                if reports
                else None
            ),
            "metrics_figure": charts.timeline_figure([], metrics, scales={}) if metrics else None,
            "can_record_actions": True,
            "can_converse": True,  # each comment links to its conversation (conversations/)
            "query": "",
        }
        | section
    )
    # The method note: figures that may include answers given in a translation of a validated item that is not
    # itself validated (no published source).
    chosen = [shown["chosen"].id] if shown["chosen"] else []
    context["translations_not_validated"] = translations_not_validated(cycle_ids=chosen)
    if pdf:  # the whole report, every cycle newest first: a printout is kept as the record
        context |= {"sections": [{"report": report} for report in reports], "cycles": []}
        cycle_ids = [report.cycle.id for report in reports]
        context["translations_not_validated"] = translations_not_validated(cycle_ids=cycle_ids)
        return pdf_response(request, "feedback/team_report.html", context, filename="align-team-report.pdf")
    return render(request, "feedback/team_report.html", context, status=200 if query.is_valid() else 400)


@login_required
@require_POST
def action_add(request, team_id: int, cycle_id: int):
    team = get_object_or_404(selectors.teams_visible_to(user=request.user), id=team_id)
    cycle = get_object_or_404(Cycle.objects.filter(tree__team=team), id=cycle_id)
    try:
        services.action_record(team=team, cycle=cycle, text=request.POST.get("text", ""), user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Action recorded: the team sees it with its results and in the next invitation.")
    return redirect(f"{reverse('feedback:team_report', args=[team.id])}?cycle={cycle.id}")


@secret_address
@require_GET
def team_results(request, key: str):
    """The published results of one team, for its members: reached from the thank-you page, no login needed.

    Only published cycles, through the same disclosure rules as every report.
    """
    team = selectors.team_from_results_key(key=key)
    if team is None:
        raise Http404
    return _results_page(request, team)


def _results_page(request, team):
    """Render a team's published results and actions, as its members may see them."""
    reports = selectors.team_report(team=team, published_only=True)
    # Not written to the audit log, with a link or a login: members open this right after answering, and a
    # timestamped row per view would tell a database reader when someone of this team answered.
    shown, query = _cycle_shown(request, reports)
    if not query.is_valid():
        messages.error(request, " ".join(error for errors in query.errors.values() for error in errors))
    status = 200 if query.is_valid() else 400
    return render(request, "feedback/team_results.html", shown | {"team": team}, status=status)
