"""Password login that finds the login as single sign-on finds the person: by address, as Align compares
addresses (surveys.selectors.login_named), so both ways in — and the lockout, which counts per login — agree."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import selectors


class AddressModelBackend(ModelBackend):
    """Django's ModelBackend with the login looked up by `selectors.login_named` instead of the exact username:
    `Maria@Example.com` or a full-width spelling reaches the login named maria@example.com."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = selectors.login_named(name=username)
        if user is None:
            # As ModelBackend: hash once anyway, so a name that reaches nobody answers as slowly as one that does.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
