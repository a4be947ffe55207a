"""A member given a login (issue 22, defect 2): /reports/ is their team's published results, and the navigation
offers no role a page that answers 404."""

import re

import pytest
from django.urls import reverse

from feedback.models import ReportAccess

pytestmark = pytest.mark.django_db
ROLES = ["member", "manager_a", "manager_b", "leader", "admin"]


def test_a_member_lands_on_their_teams_published_results_unlogged(client, world):
    client.force_login(world["users"]["member"])
    page = client.get(reverse("feedback:home")).content.decode()
    assert "A: published results" in page and world["cycle"].name in page
    assert "B: published results" not in page and not ReportAccess.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_every_link_in_a_roles_navigation_opens(client, world, role):
    client.force_login(world["users"][role])
    page = client.get(reverse("feedback:home")).content.decode()
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"', nav)
    assert links and all(client.get(link).status_code == 200 for link in links), links
    assert ("Dashboard" in nav) == (role != "member")
