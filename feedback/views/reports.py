"""Report pages for managers, leaders and admins."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .. import selectors


@login_required
@require_GET
def home(request):
    teams = selectors.teams_visible_to(user=request.user).select_related("parent")
    return render(request, "feedback/home.html", {"teams": teams})


@login_required
@require_GET
def team_report(request, team_id: int):
    # Outside the viewer's scope is a 404, the same as a team that does not exist: ids cannot be probed.
    team = get_object_or_404(selectors.teams_visible_to(user=request.user), id=team_id)
    return render(request, "feedback/team_report.html", {"team": team, "reports": selectors.team_report(team=team)})


@require_GET
def team_results(request, key: str):
    """The published results of one team, for its members: reached from the thank-you page, no login needed.

    Only published cycles, through the same disclosure rules as every report.
    """
    team = selectors.team_from_results_key(key=key)
    if team is None:
        raise Http404
    reports = selectors.team_report(team=team, published_only=True)
    return render(request, "feedback/team_results.html", {"team": team, "reports": reports})
