"""Rendering shared by the admin pages."""

from django.shortcuts import render


def form_page(request, form, *, title, submit, intro="", multipart=False, template="form.html", **extra):
    """Render a generic admin form page; 400 when the form has errors."""
    context = {"form": form, "title": title, "submit": submit, "intro": intro, "multipart": multipart, **extra}
    return render(request, f"surveys/manage/{template}", context, status=400 if form.errors else 200)
