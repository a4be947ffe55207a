"""Single sign-on's settings are read as strictly as the rest: each case imports them in a fresh interpreter."""

from tests.test_settings import settings_with

PROVIDER = {
    "OIDC_RP_CLIENT_ID": "align",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_ISSUER": "https://login.example.com",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.com/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://login.example.com/token",
    "OIDC_OP_USER_ENDPOINT": "https://login.example.com/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://login.example.com/jwks",
}
SHOW = (
    "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS); "
    "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
)


def test_without_a_client_id_there_is_only_password_login(tmp_path):
    done = settings_with(tmp_path, show=SHOW)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['surveys.logins.AddressModelBackend']", "[\"'self'\"]"]


def test_a_client_id_without_the_providers_endpoints_refuses_to_start(tmp_path):
    done = settings_with(tmp_path, OIDC_RP_CLIENT_ID="align", OIDC_OP_ISSUER="https://login.example.com")
    assert done.returncode != 0
    assert (
        "single sign-on also needs OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, "
        "OIDC_OP_USER_ENDPOINT, OIDC_OP_JWKS_ENDPOINT" in done.stderr
    )


def test_turning_password_login_off_without_single_sign_on_refuses_to_start(tmp_path):
    done = settings_with(tmp_path, ALIGN_PASSWORD_LOGIN="false")
    assert done.returncode != 0
    assert "ALIGN_PASSWORD_LOGIN=false needs single sign-on" in done.stderr


def test_with_password_login_off_single_sign_on_is_the_only_backend_and_forms_may_go_to_the_provider(tmp_path):
    done = settings_with(
        tmp_path,
        show=SHOW,
        ALIGN_PASSWORD_LOGIN="false",
        OIDC_OP_LOGOUT_ENDPOINT="https://idp.example.com/end",
        **PROVIDER,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "['surveys.sso.AlignOIDCBackend']",
        "[\"'self'\", 'https://login.example.com', 'https://idp.example.com']",
    ]
