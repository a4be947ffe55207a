"""Logging in, with a lockout after repeated failures for the same login; asking for a password reset."""

from functools import partial

from django.conf import settings
from django.contrib.auth.views import LoginView, PasswordResetView
from django.db import transaction
from django.http import HttpResponseRedirect

from alignsite.attempts import attempt_refund, attempt_start, attempts_key

from .. import selectors
from ..tasks import password_reset_email_send_task


class LockingLoginView(LoginView):
    """Django's login view that locks a login after ALIGN_LOGIN_FAILURES failed attempts.

    An attempt is counted when it starts (an atomic increment in the cache, Redis in production) and given
    back when it succeeds, so a burst of simultaneous guesses cannot all slip through before the first
    failure is recorded. While locked — until ALIGN_LOGIN_LOCKOUT_MINUTES after the first counted attempt —
    even the right password is refused; the password-reset link still works. Counted per login rather than
    per address, so an attacker cannot spread guesses over many addresses.
    """

    def post(self, request, *args, **kwargs):
        # Counted per account, however its name is spelled (hashed); no address is used or kept.
        key = attempts_key("login", selectors.login_attempts_name(username=request.POST.get("username", "")))
        seconds = settings.ALIGN_LOGIN_LOCKOUT_MINUTES * 60
        if not attempt_start(key, limit=settings.ALIGN_LOGIN_FAILURES, seconds=seconds):
            context = self.get_context_data(form=self.get_form(), locked=True)
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            attempt_refund(key)  # a success is not a failure
        return response


class QueuedPasswordResetView(PasswordResetView):
    """Django's password-reset view that hands the address to a worker instead of emailing from the request.

    Django's view looks the address up and sends the email before answering, so an address with a login
    answers measurably later than one without — telling an outsider who has a login. Here every valid
    address costs the same: no query, one task of the same kind with the same arguments, then the "done"
    page. The task decides whether anyone gets an email.
    """

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        transaction.on_commit(partial(password_reset_email_send_task.delay, email))
        return HttpResponseRedirect(self.get_success_url())
