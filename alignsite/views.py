"""Site-wide views that belong to neither app."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
def index(request):
    return redirect("feedback:home")


@never_cache
@require_GET
def healthz(request):
    """Answer 200 when the database answers; used by load balancers and docker-compose healthchecks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
