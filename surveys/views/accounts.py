"""Logging in, with a lockout after repeated failures for the same login; asking for a password reset.

With ALIGN_PASSWORD_LOGIN=false none of it takes a password: the login page offers single sign-on only
(surveys.sso), a password POSTed to it is refused, and the password-reset pages answer 404.
"""

from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView, PasswordResetView, redirect_to_login
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic.edit import FormView

from alignsite.attempts import attempt_refund, attempt_start, attempts_key
from alignsite.secret_addresses import secret_headers_set

from .. import selectors
from ..forms import AddressField
from ..sso import sso_enabled
from ..tasks import password_reset_email_send_task


class LockingLoginView(LoginView):
    """Django's login view that locks a login after ALIGN_LOGIN_FAILURES failed attempts.

    An attempt is counted when it starts (an atomic increment in the cache, Redis in production) and given
    back when it succeeds, so a burst of simultaneous guesses cannot all slip through before the first
    failure is recorded. While locked — until ALIGN_LOGIN_LOCKOUT_MINUTES after the first counted attempt —
    even the right password is refused; the password-reset link still works. Counted per login rather than
    per address, so an attacker cannot spread guesses over many addresses.
    """

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            password_login=settings.ALIGN_PASSWORD_LOGIN,
            sso_name=settings.ALIGN_SSO_PROVIDER_NAME if sso_enabled() else "",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not settings.ALIGN_PASSWORD_LOGIN:
            return self.render_to_response(self.get_context_data(form=self.get_form()), status=403)
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


class PasswordLoginOnly:
    """For the pages that only serve password login: 404 while it is turned off (ALIGN_PASSWORD_LOGIN=false)."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.ALIGN_PASSWORD_LOGIN:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def admin_login(request):
    """The Django admin's login page; without password login, Align's (single sign-on), which comes back."""
    if settings.ALIGN_PASSWORD_LOGIN:
        return admin.site.login(request)
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class AddressPasswordResetForm(PasswordResetForm):
    """Django's password-reset form, reading the address as every other form does (AddressField)."""

    email = AddressField(
        label=gettext_lazy("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class QueuedPasswordResetView(PasswordLoginOnly, PasswordResetView):
    """Django's password-reset view that hands the address to a worker instead of emailing from the request.

    Django's view looks the address up and sends the email before answering, so an address with a login
    answers measurably later than one without — telling an outsider who has a login. Here every valid
    address costs the same: no query, one task of the same kind with the same arguments, then the "done"
    page. The task decides whether anyone gets an email.
    """

    form_class = AddressPasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        transaction.on_commit(partial(password_reset_email_send_task.delay, email))
        return HttpResponseRedirect(self.get_success_url())


# The reset link's token moves from the link into this signed, HttpOnly cookie, scoped to the link's own path.
RESET_COOKIE = "align_password_reset"
RESET_COOKIE_SALT = "align.password-reset"


class DeviceHeldPasswordResetConfirmView(PasswordResetConfirmView):
    """Django's choose-a-new-password view, with the link's token kept on the person's device, not in the session.

    Django moves the token from the link into the session so it leaves the address bar and the Referer
    header. Sessions live in the database, signed but not encrypted: whoever reads the database could take
    the token of a link opened and not yet used and set the password. Here the token goes into a signed,
    HttpOnly cookie scoped to this link's path — as the survey link's token does — and nothing server-side
    holds it. The steps are Django's: a valid link redirects to `…/set-password/`, which shows the form while
    the cookie's token is valid; setting the password spends the token (it depends on the password hash).
    """

    @method_decorator(sensitive_post_parameters())
    @method_decorator(never_cache)
    def dispatch(self, request, *args, uidb64: str, token: str, **kwargs):
        if not settings.ALIGN_PASSWORD_LOGIN:
            raise Http404
        response = self._dispatch(request, *args, uidb64=uidb64, token=token, **kwargs)
        if token != self.reset_url_token:
            # The address holds the link's token. The form page's (`…/set-password/`) does not, and keeps the
            # site's same-origin policy: it posts a form, which no-referrer would make CSRF refuse.
            secret_headers_set(response)
        return response

    def get_user(self, uidb64):
        """Return the link's login, or None when there is none or it is inactive: a deactivated person's link
        never opens, nor sets a password (deactivation also makes every earlier link's token invalid)."""
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def _dispatch(self, request, *args, uidb64: str, token: str, **kwargs):
        self.validlink = False
        self.user = self.get_user(uidb64)
        path = request.path[: request.path.rindex(token)]
        if self.user is not None and token == self.reset_url_token:
            held = request.get_signed_cookie(
                RESET_COOKIE, default=None, salt=RESET_COOKIE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT
            )
            if self.token_generator.check_token(self.user, held):
                self.validlink = True
                return FormView.dispatch(self, request, *args, uidb64=uidb64, token=token, **kwargs)
        elif self.user is not None and self.token_generator.check_token(self.user, token):
            response = HttpResponseRedirect(path + self.reset_url_token + "/")
            response.set_signed_cookie(
                RESET_COOKIE,
                token,
                salt=RESET_COOKIE_SALT,
                max_age=settings.PASSWORD_RESET_TIMEOUT,
                path=path,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
        return self.render_to_response(self.get_context_data())

    def form_valid(self, form):
        form.save()
        response = HttpResponseRedirect(self.get_success_url())
        response.delete_cookie(RESET_COOKIE, path=self.request.path[: -len(self.reset_url_token) - 1], samesite="Lax")
        return response
