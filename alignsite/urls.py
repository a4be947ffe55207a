from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from feedback import webhooks as feedback_webhooks
from surveys import sso
from surveys.views.accounts import (
    DeviceHeldPasswordResetConfirmView,
    LockingLoginView,
    QueuedPasswordResetView,
    admin_login,
)

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("language/", views.language_choose, name="language"),
    path("", include("surveys.urls")),
    path("", include("feedback.urls")),
    path("", include("conversations.urls")),
    path("accounts/login/", LockingLoginView.as_view(), name="login"),
    path("accounts/password_reset/", QueuedPasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        DeviceHeldPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/logout/", sso.AlignLogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Single sign-on (surveys.sso): 404 while it is not configured. Names as mozilla-django-oidc expects them.
    path("oidc/authenticate/", sso.SSOStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", sso.SSOCallbackView.as_view(), name="oidc_authentication_callback"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("feedback.api_urls")),
    path("webhooks/github", feedback_webhooks.github, name="webhook-github"),
    path("scim/v2/", include("surveys.scim.urls")),
]
