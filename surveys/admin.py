"""Django admin for power users.

Responses, answers and comments are deliberately not registered: the admin would list them one by one,
below the reporting threshold. Invitations are shown without whether the person has answered.
"""

from zoneinfo import ZoneInfo

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from .admin_forms import ACCEPTED_TIMES, ModelsField, PersonAdminForm, TeamAdminForm
from .models import (
    Cycle,
    CycleSchedule,
    Dimension,
    Invitation,
    Person,
    Question,
    SurveyTemplate,
    Team,
    TemplateQuestion,
)
from .services.people import login_follow
from .templatetags.wall_clocks import time_on_clock

admin.site.site_header = "Align administration"
# Several rows chosen by id, refusing ids no key can hold (Django's own field lets SQLite overflow: a 500).
SEVERAL_BY_ID = {models.ManyToManyField: {"form_class": ModelsField}}
# ... and dates and times outside the ones Align accepts (surveys.time_limits), like the admin pages do.
FROM_OUTSIDE = {**SEVERAL_BY_ID, **ACCEPTED_TIMES}

# Django's own user and group pages choose groups and permissions the same way.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(auth_admin.UserAdmin):
    formfield_overrides = FROM_OUTSIDE

    def get_readonly_fields(self, request, obj=None):
        # A person's login carries their address as username and email (login_follow): change the person's address
        # instead, which moves the login with it. Edited here, the two would part and the old address keep the login.
        held = obj is not None and Person.objects.filter(user=obj).exists()
        return [*super().get_readonly_fields(request, obj), *(["username", "email"] if held else [])]


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    formfield_overrides = FROM_OUTSIDE


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamAdminForm  # names checked as the Teams page checks them
    list_display = ["name", "parent"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm  # addresses read as the person form reads them
    formfield_overrides = FROM_OUTSIDE
    list_display = ["name", "email", "team", "role", "is_active"]
    list_filter = ["role", "is_active", "team"]
    search_fields = ["name", "email"]
    filter_horizontal = ["managed_teams"]
    raw_id_fields = ["user"]
    # Deactivating is the People page's, the import's or SCIM's (people_deactivate): it also switches off the
    # login and keeps someone able to open Manage. Here it would do neither.
    readonly_fields = ["is_active"]

    def save_model(self, request, obj, form, change):
        # In the admin's transaction: the login moves with the address (the form refused a clash already).
        super().save_model(request, obj, form, change)
        login_follow(person=obj)


class ThroughServicesOnly:
    """Show rows without letting the admin add, change or delete them (a ModelAdmin's or an inline's mixin).

    The question bank and templates are changed only through `surveys.services.instruments` (the Questions and
    Templates pages), which keep what a cycle asked: a question already asked, or a validated one, gets a new
    version instead of new wording in place, and a dimension holds one kind of question on one scale
    (`surveys.scales`). A ModelAdmin saves the row as typed, so it would rewrite what past cycles asked and
    what their figures mean (`tests/test_admin_editable.py` checks every admin's editable fields).
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dimension)
class DimensionAdmin(ThroughServicesOnly, admin.ModelAdmin):
    list_display = ["name", "key", "validated"]


@admin.register(Question)
class QuestionAdmin(ThroughServicesOnly, admin.ModelAdmin):
    list_display = ["key", "version", "text", "dimension", "kind", "scale_points", "reverse_scored", "required"]
    list_filter = ["dimension", "kind"]


class TemplateQuestionInline(ThroughServicesOnly, admin.TabularInline):
    model = TemplateQuestion
    extra = 0


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(ThroughServicesOnly, admin.ModelAdmin):
    list_display = ["name", "slug"]
    inlines = [TemplateQuestionInline]


class OnOwnClock(admin.ModelAdmin):
    """Show and read a row's times on its own zone's wall clock: its change page runs in that zone (Django shows
    and reads times in the active zone, TIME_ZONE otherwise), and its list names the zone."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        row = self.get_object(request, object_id) if object_id else None
        with timezone.override(ZoneInfo(row.time_zone) if row else None):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # A TemplateResponse renders after the view returns: render it while the zone is active.
            return response.render() if hasattr(response, "render") else response


@admin.register(CycleSchedule)
class CycleScheduleAdmin(OnOwnClock):
    formfield_overrides = FROM_OUTSIDE
    list_display = ["name", "template", "cadence", "first_opens", "open_days", "threshold", "active"]
    filter_horizontal = ["teams"]

    @admin.display(description="First opens", ordering="first_opens_at")
    def first_opens(self, schedule: CycleSchedule) -> str:
        return time_on_clock(schedule.first_opens_at, schedule.time_zone)


@admin.register(Cycle)
class CycleAdmin(OnOwnClock):
    formfield_overrides = FROM_OUTSIDE
    list_display = ["name", "template", "state", "opens", "closes", "threshold"]

    @admin.display(description="Opens", ordering="opens_at")
    def opens(self, cycle: Cycle) -> str:
        return time_on_clock(cycle.opens_at, cycle.time_zone)

    @admin.display(description="Closes", ordering="closes_at")
    def closes(self, cycle: Cycle) -> str:
        return time_on_clock(cycle.closes_at, cycle.time_zone)

    list_filter = ["state"]
    filter_horizontal = ["teams"]
    readonly_fields = ["state"]

    def get_readonly_fields(self, request, obj=None):
        # Once a cycle has opened, its threshold is frozen (DESIGN.md §3.3).
        if obj is not None and obj.state != Cycle.State.SCHEDULED:
            return ["state", "threshold", "template"]
        return self.readonly_fields


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["person", "cycle", "team", "sent_at"]
    list_filter = ["cycle"]
    fields = ["cycle", "person", "team", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
