"""Every page, for every role, carries the security headers: CSP with frame-ancestors, nosniff, a referrer
policy and COOP. The list of pages is the access matrix's, so a new URL is covered as soon as it is added."""

import pytest
from django.urls import reverse

from tests.test_access_matrix import MATRIX

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, str]:
    return dict(([*part.strip().split(" ", 1), ""])[:2] for part in policy.split(";") if part.strip())


@pytest.mark.parametrize("role", ["anonymous", "manager_a", "admin"])
def test_every_response_carries_the_security_headers(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    missing = {}
    for name, (method, _) in MATRIX.items():
        response = getattr(client, method)(reverse(name, kwargs=world["kwargs"].get(name)))
        csp = directives(response.get("Content-Security-Policy", ""))
        checks = {
            "CSP frame-ancestors 'none'": csp.get("frame-ancestors") == "'none'",
            "CSP scripts from this site only": csp.get("script-src") == "'self'",
            "X-Content-Type-Options": response.get("X-Content-Type-Options") == "nosniff",
            "Referrer-Policy": response.get("Referrer-Policy") in {"same-origin", "no-referrer"},
            "Cross-Origin-Opener-Policy": response.get("Cross-Origin-Opener-Policy") == "same-origin",
        }
        if not all(checks.values()):
            missing[name] = [check for check, ok in checks.items() if not ok]
    assert missing == {}
