"""Rendering shared by the admin pages."""

from django.shortcuts import render


def form_page(request, form, *, title, submit, intro="", multipart=False, template="form.html", **extra):
    """Render a generic admin form page; 400 when the form has errors."""
    context = {"form": form, "title": title, "submit": submit, "intro": intro, "multipart": multipart, **extra}
    return render(request, f"surveys/manage/{template}", context, status=400 if form.errors else 200)


def confirmed(request) -> bool:
    """Return whether a destructive POST carries the confirmation `confirmation_page` asks for."""
    return request.POST.get("confirmed") == "yes"


def confirmation_page(request, *, title: str, consequence: str, submit: str, cancel_url: str):
    """Render the page that asks an admin to confirm a destructive action before it is done: it states what will
    happen and posts the same fields again with confirmed=yes (no JavaScript needed), or goes back."""
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    context = {"title": title, "consequence": consequence, "submit": submit, "cancel_url": cancel_url}
    return render(request, "surveys/manage/confirm.html", {**context, "carried": carried})
