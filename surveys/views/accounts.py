"""Logging in, with a lockout after repeated failures for the same login."""

import hashlib

from django.conf import settings
from django.contrib.auth.views import LoginView
from django_ratelimit.core import get_usage

LOCKOUT_GROUP = "align.login-failures"


def _login_key(group, request) -> str:
    # Counted per login name, hashed: the cache never holds the address or the name itself.
    username = request.POST.get("username", "").strip().lower()
    return hashlib.sha256(username.encode()).hexdigest()


class LockingLoginView(LoginView):
    """Django's login view that refuses a login after ALIGN_LOGIN_LOCKOUT_RATE failures (default 5 per 15 min).

    While locked, even the right password is refused, so guessing cannot go on in the background; the
    password-reset link still works. Counted per login rather than per address, so an attacker cannot lock
    people out by address and a botnet cannot spread its guesses.
    """

    def _usage(self, *, increment: bool):
        return get_usage(
            self.request, group=LOCKOUT_GROUP, key=_login_key, rate=settings.ALIGN_LOGIN_LOCKOUT_RATE,
            increment=increment,
        )  # fmt: skip

    def post(self, request, *args, **kwargs):
        usage = self._usage(increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            context = self.get_context_data(form=self.get_form(), locked=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        self._usage(increment=True)
        return super().form_invalid(form)
