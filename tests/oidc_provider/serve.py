"""Start the test OpenID Connect provider: migrate its SQLite database, add the users and Align as a client,
then serve HTTP on 127.0.0.1:<port> until stopped. Run as `python -m tests.oidc_provider.serve <port>`, with
the environment settings.py names."""

import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"


def main(port: int) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model
    from oauth2_provider.models import Application

    for user in json.loads(os.environ["TEST_OP_USERS"]):
        get_user_model().objects.create_user(user["username"], email=user["email"], password=user["password"])
    client = json.loads(os.environ["TEST_OP_CLIENT"])
    Application.objects.create(
        name="Align",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=client["redirect_uri"],
        post_logout_redirect_uris=client["post_logout_redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
