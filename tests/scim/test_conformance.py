"""scim2-tester (python-scim) checks /scim/v2/ over HTTP against RFC 7643/7644, on a live server."""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from feedback import services as feedback_services
from feedback.models import ApiToken

# What the checker may say of a check and still pass: conforming, following a SHOULD, or using a MAY. DEVIATION
# (a SHOULD not followed), ERROR (a MUST broken) and CRITICAL fail the test; SKIPPED are checks of features
# ServiceProviderConfig says Align does not have (bulk, sort, etag, changePassword).
PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}


@pytest.fixture
def scim_client(live_server, transactional_db):
    _, secret = feedback_services.api_token_create(name="scim2-tester", created_by=None, scope=ApiToken.Scope.SCIM)
    http = httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {secret}"})
    yield SyncSCIMClient(http)
    http.close()


def test_scim2_tester_finds_nothing_against_the_rfcs(scim_client):
    results = check_server(scim_client)
    assert results, "the checker ran no check"
    failed = [
        f"{result.status.name} {result.resource_type or ''} {result.title}: {result.reason}"
        for result in results
        if result.status not in PASSING
    ]
    assert failed == [], "\n".join(failed)
    assert sum(result.status == Status.SUCCESS for result in results) >= 50  # 54 in December 2026
