"""Headers for pages whose address holds a secret (a survey link's token, a team's results key, a password link).

Such an address must stay out of caches (a shared proxy, the browser's back/forward cache: `Cache-Control:
no-store`) and out of the Referer header of whatever the page links to or loads (`Referrer-Policy:
no-referrer`; the site's default is same-origin, which a page that posts a form needs — under no-referrer
browsers send `Origin: null`, which CSRF protection refuses). tests/test_secret_addresses.py walks the URLconf
and fails when a route with a secret-bearing argument answers without both.
"""

from functools import wraps

from django.http import Http404
from django.urls import get_resolver
from django.utils.cache import add_never_cache_headers

# The URL arguments that carry a secret; a new route with one of these names is checked by the test.
SECRET_ARGUMENTS = frozenset({"token", "key", "uidb64"})


def secret_headers_set(response) -> None:
    """Mark a response as one that must not be stored nor named in a Referer (in place)."""
    add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
    response["Referrer-Policy"] = "no-referrer"


def secret_address(view):
    """Decorate a view whose address (or page) holds a secret: every response it gives, errors included, is sent
    with `secret_headers_set`'s headers. A 404 raised inside is answered by the handler, so the view turns it into
    a response here first, with the site's 404 handler."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404 as error:
            response = get_resolver().resolve_error_handler(404)(request, error)  # the site's own 404 page
        secret_headers_set(response)
        return response

    return wrapper
