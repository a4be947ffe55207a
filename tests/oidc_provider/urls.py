from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path


def whoami(request):
    """Who the provider's session belongs to: for the tests to see whether logging out ended it."""
    return HttpResponse(request.user.get_username() if request.user.is_authenticated else "anonymous")


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", LoginView.as_view(template_name="provider_login.html"), name="login"),
    path("whoami/", whoami),
]
