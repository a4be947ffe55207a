"""Admin pages for where metrics come from: ingestion API tokens."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from surveys.access import admin_required

from .. import services
from ..models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Deploy pipeline” or “Finance export”.")


@admin_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _, secret = services.api_token_create(name=form.cleaned_data["name"], created_by=request.user)
        form = TokenForm()
    context = {"form": form, "secret": secret, "tokens": ApiToken.objects.order_by("-created_at")}
    response = render(request, "feedback/api_tokens.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # the page may show a secret once
    return response


@admin_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, id=token_id)
    if services.api_token_revoke(token_id=token.id):
        messages.success(request, f"Revoked {token.name}. Requests with it now get 401.")
    return redirect("feedback:manage_api_tokens")
