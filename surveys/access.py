"""Who may use the admin pages: superusers and people with the admin role. Everyone else gets a 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .models import Person


def is_admin(user) -> bool:
    """Return whether this login may configure Align."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Person.objects.filter(user=user, is_active=True, role=Person.Role.ADMIN).exists()


def admin_required(view):
    """Let admins through; send anonymous visitors to log in; answer 404 to everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
