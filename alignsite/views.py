"""Site-wide views that belong to neither app."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
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


@never_cache
@require_GET
def language_choose(request):
    """Remember the language chosen by `?language=<code>` in the language cookie and go back to `next`.

    Django's set_language does the same on a POST; this takes a GET so that the switcher is a list of plain
    links, which works without JavaScript and on pages sent with `Referrer-Policy: no-referrer`, where
    browsers send `Origin: null` and CSRF protection would refuse a form. The cookie is all that is kept: no
    row, no log line, nothing tied to a person or a response. Going back to the survey page keeps its one-time
    link usable, as the link's own cookie is untouched. An unknown language changes nothing; a `next` off this
    site goes to "/"; a `lang` parameter of `next` (a survey link's language) is dropped, so the choice holds.
    """
    wanted = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        wanted = "/"
    # A link's own `?lang=` (its person's language) would choose again on the way back: the choice made here wins.
    address = urlsplit(wanted)
    kept = [(name, value) for name, value in parse_qsl(address.query, keep_blank_values=True) if name != "lang"]
    wanted = urlunsplit(address._replace(query=urlencode(kept)))
    response = HttpResponseRedirect(wanted)
    response["Referrer-Policy"] = "no-referrer"
    language_cookie_set(response, request.GET.get("language", ""))
    return response


def language_cookie_set(response, code: str) -> None:
    """Set the language cookie LocaleMiddleware reads to `code` when it is one of settings.LANGUAGES (else leave
    it): used by the switcher and by a survey link that carries its person's language (`?lang=`)."""
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
