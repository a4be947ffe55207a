from django.urls import path, re_path

from . import views

app_name = "scim"

# RFC 7644 §3.2 names the endpoints without a trailing slash.
urlpatterns = [
    path("", views.service_provider_config, name="root"),
    path("ServiceProviderConfig", views.service_provider_config, name="service_provider_config"),
    path("ResourceTypes", views.resource_types, name="resource_types"),
    path("ResourceTypes/<str:name>", views.resource_types, name="resource_type"),
    path("Schemas", views.schemas, name="schemas"),
    path("Schemas/<str:name>", views.schemas, name="schema"),
    path(".search", views.search),
    path("Users/.search", views.search),
    path("Groups/.search", views.search),
    path("Users", views.users, name="users"),
    path("Users/<str:person_id>", views.user, name="user"),
    path("Groups", views.groups, name="groups"),
    path("Groups/<str:team_id>", views.group, name="group"),
    # Anything else under /scim/v2/ is a SCIM 404, not Align's HTML page.
    re_path(r"^.+$", views.not_found),
]
