"""Every URL × every role: who gets what. A URL pattern without an entry here fails the test (default deny).

Roles: an anonymous visitor; Charlie, a member of team A; Alice, manager of A; Bob, manager of B (A's cousin:
another department); Lee, leader of A's department; Ada, an admin. Object URLs point at team A's things, so
Bob and Charlie probing them by id is the IDOR check.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from surveys.models import Cycle

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "member", "manager_a", "manager_b", "leader", "admin"]
L = "login"  # a redirect to the login page

# name: (method, expected status per role in ROLES order)
MATRIX = {
    "index": ("get", [302, 302, 302, 302, 302, 302]),
    "healthz": ("get", [200, 200, 200, 200, 200, 200]),
    "language": ("get", [302, 302, 302, 302, 302, 302]),  # the switcher: a cookie and back, for anyone
    "surveys:invitation": ("get", [404, 404, 404, 404, 404, 404]),
    "surveys:answer": ("get", [400, 400, 400, 400, 400, 400]),
    "surveys:thanks": ("get", [200, 200, 200, 200, 200, 200]),
    "feedback:home": ("get", [L, 200, 200, 200, 200, 200]),
    "feedback:dashboard": ("get", [L, 404, 200, 200, 200, 200]),
    "feedback:team_report": ("get", [L, 404, 200, 404, 200, 200]),
    "feedback:action_add": ("post", [L, 404, 302, 404, 302, 302]),
    "feedback:team_results": ("get", [200, 200, 200, 200, 200, 200]),
    "login": ("get", [200, 200, 200, 200, 200, 200]),
    "logout": ("post", [302, 302, 302, 302, 302, 302]),
    # Single sign-on is not configured here: its pages do not exist (tests/integration/test_sso.py configures it).
    "oidc_authentication_init": ("get", [404, 404, 404, 404, 404, 404]),
    "oidc_authentication_callback": ("get", [404, 404, 404, 404, 404, 404]),
    "password_change": ("get", [L, 200, 200, 200, 200, 200]),
    "password_change_done": ("get", [L, 200, 200, 200, 200, 200]),
    "password_reset": ("get", [200, 200, 200, 200, 200, 200]),
    "password_reset_done": ("get", [200, 200, 200, 200, 200, 200]),
    "password_reset_confirm": ("get", [200, 200, 200, 200, 200, 200]),
    "password_reset_complete": ("get", [200, 200, 200, 200, 200, 200]),
    "api-schema": ("get", [200, 200, 200, 200, 200, 200]),
    "api-docs": ("get", [200, 200, 200, 200, 200, 200]),
    "api-metric-definitions": ("get", [401, 403, 403, 403, 403, 200]),
    "api-metric-values": ("get", [401, 403, 403, 403, 403, 200]),
    "api-metric-values-batch": ("post", [401, 403, 403, 403, 403, 400]),
    "api-deployments": ("post", [401, 403, 403, 403, 403, 400]),
    "api-changes": ("post", [401, 403, 403, 403, 403, 400]),
    "api-incidents": ("post", [401, 403, 403, 403, 403, 400]),
    "webhook-github": ("post", [503, 503, 503, 503, 503, 503]),
    # A comment's author holds a key, not a login: without one (or its cookie) nothing opens.
    "conversations:author": ("get", [200, 200, 200, 200, 200, 200]),
    "conversations:author_open": ("post", [404, 404, 404, 404, 404, 404]),
    "conversations:mine": ("get", [404, 404, 404, 404, 404, 404]),
    "conversations:author_reply": ("post", [404, 404, 404, 404, 404, 404]),
    "conversations:author_close": ("post", [404, 404, 404, 404, 404, 404]),
    # A comment's thread: whoever may see the comment in a report (A's manager, D1's leader, admins).
    "conversations:thread": ("get", [L, 404, 200, 404, 200, 200]),
    "conversations:comments_export": ("get", [L, 404, 200, 404, 200, 200]),
    "conversations:api_team_comments": ("get", [403, 404, 200, 404, 200, 200]),
    # (An empty reply, acknowledgement or note is refused on the thread itself: 400.)
    "conversations:reply": ("post", [L, 404, 400, 404, 400, 400]),
    "conversations:acknowledge": ("post", [L, 404, 400, 404, 400, 400]),
    "conversations:close": ("post", [L, 404, 302, 404, 302, 302]),
    "conversations:hide": ("post", [L, 404, 404, 404, 404, 400]),
}
ADMIN_ONLY = [L, 404, 404, 404, 404, 200]
for name in [
    "surveys:manage", "surveys:manage_teams", "surveys:manage_team", "surveys:manage_people",
    "surveys:manage_person_new", "surveys:manage_person", "surveys:manage_people_import",
    "surveys:manage_people_export", "surveys:manage_questions", "surveys:manage_question",
    "surveys:manage_question_translation_new", "surveys:manage_question_translation",
    "surveys:manage_templates", "surveys:manage_template_new", "surveys:manage_template",
    "surveys:manage_template_preview", "surveys:manage_schedules", "surveys:manage_schedule_new",
    "surveys:manage_schedule", "surveys:manage_cycles", "surveys:manage_cycle", "feedback:manage_api_tokens",
    "feedback:manage_metrics", "feedback:manage_metrics_upload", "feedback:manage_repositories",
    "feedback:manage_audit_log",
]:  # fmt: skip
    MATRIX[name] = ("get", ADMIN_ONLY)
# Admin actions that change things: a POST by anyone else is a 404 and changes nothing. Closing a cycle and
# revoking a token first answer an admin with a page asking to confirm (200).
MATRIX["surveys:manage_person_login"] = ("post", [L, 404, 404, 404, 404, 302])
for name in ["surveys:manage_cycle_action", "feedback:manage_api_token_revoke"]:
    MATRIX[name] = ("post", [L, 404, 404, 404, 404, 200])
# SCIM opens only to a SCIM token (tests/scim): a login, even an admin's, is 401.
for name in [
    "scim:root", "scim:service_provider_config", "scim:resource_types", "scim:resource_type", "scim:schemas",
    "scim:schema", "scim:users", "scim:user", "scim:groups", "scim:group",
]:  # fmt: skip
    MATRIX[name] = ("get", [401] * len(ROLES))


def url_names():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # Django's admin: staff only, its own checks (tested below)
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_url_pattern_has_an_entry_in_the_matrix():
    assert sorted(set(url_names()) - set(MATRIX)) == []
    assert sorted(set(MATRIX) - set(url_names())) == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_matrix_says(client, world, role):
    user = world["users"][role]
    got, want = {}, {}
    for name, (method, expected) in MATRIX.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        url = reverse(name, kwargs=world["kwargs"].get(name))
        data = {"text": "An action"} if name == "feedback:action_add" else {}
        response = getattr(client, method)(url, data)
        status = response.status_code
        if status == 302 and reverse("login") in response.get("Location", "") and "logout" not in name:
            status = L
        got[name], want[name] = status, expected[ROLES.index(role)]
    assert {n: s for n, s in got.items() if s != want[n]} == {}
    # the IDOR probes changed nothing
    if role in ("anonymous", "member", "manager_b"):
        assert not world["cycle"].actions.exists()
    assert Cycle.objects.get(id=world["cycle"].id).state == Cycle.State.PUBLISHED


def test_the_django_admin_is_for_staff_only(client, world):
    for role in ROLES[:-1]:
        client.logout()
        if world["users"][role]:
            client.force_login(world["users"][role])
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role
