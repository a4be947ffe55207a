"""Admin pages for schedules and cycles: plan, watch participation, open now, extend, close, publish."""

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.models import JobRun
from feedback.selectors import cycle_participation

from .. import cadence, services, slack
from ..access import admin_required
from ..admin_forms import ExtendForm, ScheduleForm, apply_errors
from ..models import Cycle, CycleSchedule
from .pages import confirmation_page, confirmed, form_page


@admin_required
@require_GET
def schedules(request):
    listing = CycleSchedule.objects.select_related("template").prefetch_related("teams").order_by("name")
    return render(request, "surveys/manage/schedules.html", {"schedules": listing})


@admin_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request, schedule_id: int | None = None):
    schedule = get_object_or_404(CycleSchedule, id=schedule_id) if schedule_id is not None else None
    initial = {}
    if schedule:
        initial = {
            "name": schedule.name,
            "template": schedule.template,
            "teams": list(schedule.teams.all()),
            "cadence": schedule.cadence,
            "first_opens_at": schedule.first_opens_wall,
            "time_zone": schedule.time_zone,
            "open_days": schedule.open_days,
            "reminder_days": ", ".join(map(str, schedule.reminder_days)),
            "threshold": schedule.threshold,
            "active": schedule.active,
            "delivery": schedule.delivery,
        }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_save(schedule_id=schedule.id if schedule else None, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved. The next cycle follows the new settings; opened cycles keep theirs.")
            return redirect("surveys:manage_cycles")
    title = f"Edit {schedule.name}" if schedule else "New survey schedule"
    return form_page(request, form, title=title, submit="Save schedule")


@admin_required
@require_GET
def cycles(request):
    listing = Cycle.objects.select_related("template", "schedule").order_by("-opens_at")
    return render(request, "surveys/manage/cycles.html", {"cycles": listing})


@admin_required
@require_GET
def cycle_detail(request, cycle_id: int, extend_form=None, status=200):
    cycle = get_object_or_404(Cycle, id=cycle_id)
    context = {
        "cycle": cycle,
        "participation": cycle_participation(cycle=cycle),
        "slack_reach": slack.cycle_reach(cycle_id=cycle.id) if slack.uses_slack(cycle.delivery) else None,
        "extend_form": extend_form
        or ExtendForm(
            initial={"closes_at": cadence.wall_clock(cycle.closes_at, cycle.time_zone)}, time_zone=cycle.time_zone
        ),
    }
    return render(request, "surveys/manage/cycle_detail.html", context, status=status)


class CycleAction(NamedTuple):
    service: Callable[..., object]
    done: str
    question: str  # asked on the confirmation page, of the cycle's name
    consequence: str
    submit: str


ACTIONS = {
    "open": CycleAction(
        services.cycle_open_now,
        "Opened: invitations are on their way.",
        "Open {} now?",
        "Invitations go out to everyone in its teams at once, and cannot be called back.",
        "Open now",
    ),
    "close": CycleAction(
        services.cycle_close_now,
        "Closed: results are being computed.",
        "Close {} now?",
        "No one can answer after this, and a closed cycle cannot be opened again. Results are computed at once.",
        "Close now",
    ),
    "publish": CycleAction(
        services.cycle_publish,
        "Published: teams can now see their results.",
        "Publish the results of {}?",
        "Each team's members and managers can see their team's results from then on (groups below the threshold "
        "stay hidden). Publishing cannot be undone.",
        "Publish results to teams",
    ),
}


@admin_required
@require_POST
def cycle_action(request, cycle_id: int, action: str):
    cycle = get_object_or_404(Cycle, id=cycle_id)
    if action == "extend":
        form = ExtendForm(request.POST, time_zone=cycle.time_zone)
        if form.is_valid():
            try:
                services.cycle_extend(cycle_id=cycle.id, closes_at=form.cleaned_data["closes_at"])
            except ValidationError as error:
                apply_errors(form, error)
        if form.errors:
            request.method = "GET"  # re-render the detail page with the form's errors
            return cycle_detail(request, cycle_id=cycle.id, extend_form=form, status=400)
        messages.success(request, "Extended.")
        return redirect("surveys:manage_cycle", cycle_id=cycle.id)
    if action not in ACTIONS:
        return render(request, "surveys/message.html", {"message": "Unknown action."}, status=404)
    chosen = ACTIONS[action]
    if not confirmed(request):
        return confirmation_page(
            request,
            title=chosen.question.format(cycle.name),
            consequence=chosen.consequence,
            submit=chosen.submit,
            cancel_url=reverse("surveys:manage_cycle", args=[cycle.id]),
        )
    try:
        chosen.service(cycle_id=cycle.id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("surveys:manage_cycle", cycle_id=cycle.id)
    messages.success(request, chosen.done)
    return redirect("surveys:manage_cycle", cycle_id=cycle.id)


@admin_required
@require_GET
def overview(request):
    context = {
        "open_cycles": Cycle.objects.filter(state=Cycle.State.OPEN).order_by("closes_at"),
        "next_cycles": Cycle.objects.filter(state=Cycle.State.SCHEDULED).order_by("opens_at")[:5],
        "to_publish": Cycle.objects.filter(state=Cycle.State.CLOSED).order_by("-closes_at"),
        "jobs": JobRun.objects.order_by("-started_at")[:10],
    }
    return render(request, "surveys/manage/overview.html", context)
