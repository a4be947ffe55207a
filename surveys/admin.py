"""Django admin for power users.

Responses, answers and comments are deliberately not registered: the admin would list them one by one,
below the reporting threshold. Invitations are shown without whether the person has answered.
"""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models

from .admin_forms import ModelsField
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

admin.site.site_header = "Align administration"
# Several rows chosen by id, refusing ids no key can hold (Django's own field lets SQLite overflow: a 500).
SEVERAL_BY_ID = {models.ManyToManyField: {"form_class": ModelsField}}

# Django's own user and group pages choose groups and permissions the same way.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(auth_admin.UserAdmin):
    formfield_overrides = SEVERAL_BY_ID


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    formfield_overrides = SEVERAL_BY_ID


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    formfield_overrides = SEVERAL_BY_ID
    list_display = ["name", "email", "team", "role", "is_active"]
    list_filter = ["role", "is_active", "team"]
    search_fields = ["name", "email"]
    filter_horizontal = ["managed_teams"]
    raw_id_fields = ["user"]


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "validated"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "text", "dimension", "kind", "reverse_scored", "required"]
    list_filter = ["dimension", "kind"]


class TemplateQuestionInline(admin.TabularInline):
    model = TemplateQuestion
    extra = 0


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    inlines = [TemplateQuestionInline]


@admin.register(CycleSchedule)
class CycleScheduleAdmin(admin.ModelAdmin):
    formfield_overrides = SEVERAL_BY_ID
    list_display = ["name", "template", "cadence", "first_opens_at", "time_zone", "open_days", "threshold", "active"]
    filter_horizontal = ["teams"]


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    formfield_overrides = SEVERAL_BY_ID
    list_display = ["name", "template", "state", "opens_at", "closes_at", "threshold"]
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
