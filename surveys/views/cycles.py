"""Admin pages for schedules and cycles: plan, watch participation, open now, extend, close, publish."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.models import JobRun
from feedback.selectors import cycle_participation

from .. import cadence, services, slack
from ..access import admin_required
from ..admin_forms import ExtendForm, ScheduleForm, apply_errors
from ..models import Cycle, CycleSchedule
from .pages import form_page


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


ACTIONS = {
    "open": (services.cycle_open_now, "Opened: invitations are on their way."),
    "close": (services.cycle_close_now, "Closed: results are being computed."),
    "publish": (services.cycle_publish, "Published: teams can now see their results."),
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
    service, done = ACTIONS[action]
    try:
        service(cycle_id=cycle.id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("surveys:manage_cycle", cycle_id=cycle.id)
    messages.success(request, done)
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
