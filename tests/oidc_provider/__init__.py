"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit in a process of its own.

`serve.py` starts it; the tests reach it over HTTP only, as Align reaches a company's provider.
"""
