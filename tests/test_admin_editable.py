"""What the Django admin lets a superuser type, for every admin of Align's own models (attack H3).

/admin/surveys/question/<id>/change/ saved a new wording and likert→eNPS on 7 points in place: past cycles showed
the new wording, the team report read the item's answers as 0–10, and scores_recompute re-scored the past cycle.
The question bank changes only through surveys.services.instruments (new versions, one scale per dimension), so
its admins are read-only; every other admin's editable fields are listed here, so that a new admin, or a new
field on one, fails this test until someone decides it may be typed in place.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from surveys.models import Question
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
APPS = ("surveys", "feedback", "conversations")

# Only through their services: nothing may be added, changed or deleted in the admin.
THROUGH_SERVICES = {
    "surveys.Dimension", "surveys.Question", "surveys.SurveyTemplate", "surveys.TemplateQuestion",
    "surveys.QuestionTranslation", "surveys.CycleQuestion", "surveys.Response", "surveys.Answer", "surveys.Comment",
    "feedback.GroupScore", "feedback.ItemScore", "feedback.Finding", "feedback.TeamFinding", "feedback.RawEvent",
}  # fmt: skip

# Every other registered admin: the fields a superuser may type on its add and change pages.
EDITABLE = {
    "feedback.ApiToken": {"created_by", "name", "revoked_at", "scope"},
    "feedback.Deployment": {"environment", "external_id", "finished_at", "marked_production", "shas", "source",
                            "state_at", "team"},
    "feedback.Incident": {"counted", "deployment", "deployment_external_id", "external_id", "opened_at",
                          "resolved_at", "sha", "source", "state_at", "team"},
    "feedback.JobRun": {"finished_at", "kind", "message", "progress", "status", "subject", "total"},
    "feedback.MetricDefinition": {"builtin", "category", "direction", "key", "name", "team_rollup", "time_rollup",
                                  "unit"},
    "feedback.MetricValue": {"metric", "period_end", "period_start", "source", "team", "value"},
    "feedback.Repository": {"full_name", "team"},
    # A scheduled cycle's; once opened its threshold and template are read-only (CycleAdmin.get_readonly_fields).
    "surveys.Cycle": {"closes_at", "delivery", "name", "opens_at", "reminder_days", "schedule", "teams", "template",
                      "threshold"},
    "surveys.CycleSchedule": {"active", "cadence", "delivery", "first_opens_at", "name", "open_days",
                              "reminder_days", "teams", "template", "threshold", "time_zone"},
    "surveys.Invitation": set(),
    "surveys.Person": {"email", "managed_teams", "name", "role", "team", "user"},
    "surveys.Team": {"name", "parent"},
}  # fmt: skip


def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    return request


def editable(model_admin, request, obj) -> set[str]:
    """Return the fields the admin's add (obj None) or change page lets the user type, inlines included."""
    if obj is None:
        allowed = model_admin.has_add_permission(request)
    else:
        allowed = model_admin.has_change_permission(request, obj)
    fields = set(model_admin.get_form(request, obj).base_fields) if allowed else set()
    for inline in model_admin.get_inline_instances(request, obj):
        if inline.has_add_permission(request, obj) or inline.has_change_permission(request, obj):
            form = inline.get_formset(request, obj).form
            fields |= {f"{inline.model._meta.label}.{name}" for name in form.base_fields}
    return fields


def own_admins():
    return sorted(
        ((model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in APPS),
        key=lambda pair: pair[0]._meta.label,
    )


def test_every_admin_of_an_align_model_is_listed_here():
    registered = {model._meta.label for model, _ in own_admins()}
    assert registered - THROUGH_SERVICES - set(EDITABLE) == set(), "decide what the new admin may edit, and list it"


@pytest.mark.parametrize("label", sorted(THROUGH_SERVICES))
def test_an_admin_of_the_question_bank_or_its_figures_edits_nothing(label):
    registered = {model._meta.label: model_admin for model, model_admin in own_admins()}
    if label not in registered:
        return  # not in the admin at all: nothing to edit (the test above catches a new registration)
    model_admin, request = registered[label], superuser_request()
    obj = model_admin.model()
    assert editable(model_admin, request, None) == set() and editable(model_admin, request, obj) == set()
    if label.startswith("surveys."):  # deleting a question, dimension or template would take it from past cycles
        assert not model_admin.has_delete_permission(request, obj)


@pytest.mark.parametrize("label", sorted(EDITABLE))
def test_every_other_admin_edits_exactly_its_listed_fields(label):
    model_admin = {model._meta.label: model_admin for model, model_admin in own_admins()}[label]
    request = superuser_request()
    assert editable(model_admin, request, None) == EDITABLE[label]
    assert editable(model_admin, request, model_admin.model()) == EDITABLE[label]


def test_the_admin_refuses_the_attacks_change_of_an_asked_question_and_leaves_it_as_asked(client):
    # given: a superuser and a built-in item
    client.force_login(UserFactory(username="root@example.com", is_superuser=True, is_staff=True))
    item = Question.objects.get(key="meaning-1", version=1)
    before = (item.text, item.kind, item.scale_points)
    # when: the attack's post (new wording, likert → eNPS on 7 points)
    url = reverse("admin:surveys_question_change", args=[item.id])
    response = client.post(url, {"key": item.key, "version": 1, "dimension": item.dimension_id, "kind": "enps",
                                 "text": "Reworded", "scale_points": 7, "required": "on"})  # fmt: skip
    # then: refused, nothing changed; the page itself still shows the item read-only
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.text, item.kind, item.scale_points) == before
    page = client.get(url)
    assert page.status_code == 200 and 'name="text"' not in page.content.decode()
    assert client.post(reverse("admin:surveys_question_add"), {}).status_code == 403
    assert client.post(reverse("admin:surveys_question_delete", args=[item.id]), {"post": "yes"}).status_code == 403
