"""A User's preferredLanguage and locale (RFC 7643 §4.1.1) give the person's language (issue #25 item 4)."""

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from feedback.models import ReportAccess
from surveys.models import Person

from .conftest import scim_error, user_body

pytestmark = pytest.mark.django_db
CODES = [code for code, _ in settings.LANGUAGES]


def created(scim, **extra) -> Person:
    response = scim.post("Users", user_body("bob@example.com", **extra))
    assert response.status_code == 201, response.content
    return Person.objects.get(pk=int(response.json()["id"]))


@pytest.mark.parametrize(
    ("extra", "language"),
    [
        ({"preferredLanguage": "de-CH, de;q=0.9, en;q=0.8"}, "de"),
        ({"preferredLanguage": "ja, fr;q=0.5"}, "fr"),  # Japanese is not spoken: the next most wanted is
        ({"preferredLanguage": "de;q=0, es;q=0.1"}, "es"),  # q=0 means "not this"
        ({"preferredLanguage": "en-US"}, "en-gb"),
        ({"locale": "fr_FR"}, "fr"),  # "_" accepted for backward compatibility (§4.1.1)
        ({"preferredLanguage": "ja", "locale": "es-MX"}, "es"),  # no spoken language preferred: the locale
        ({"preferredLanguage": "de", "locale": "fr-FR"}, "de"),  # preferredLanguage first
        ({"preferredLanguage": "ja"}, ""),  # spoken by nobody here: the organisation's default, not a refusal
        ({}, ""),
    ],
)
def test_a_created_user_gets_the_language_it_prefers_most_that_align_speaks(scim, extra, language):
    assert created(scim, **extra).language == language


def test_the_language_is_read_back_as_preferred_language_and_a_patch_changes_and_removes_it(scim):
    person = created(scim, preferredLanguage="de-DE")
    assert scim.get(f"Users/{person.pk}").json()["preferredLanguage"] == "de"
    # a PATCH of the locale alone: the locale is what it changed
    response = scim.patch(f"Users/{person.pk}", {"op": "replace", "path": "locale", "value": "es-ES"})
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.language == "es"
    assert response.json()["preferredLanguage"] == "es"
    assert "locale" not in response.json()  # read, never kept
    # an Okta-style PATCH without a path
    scim.patch(f"Users/{person.pk}", {"op": "replace", "value": {"preferredLanguage": "en-GB"}})
    person.refresh_from_db()
    assert person.language == "en-gb"
    assert scim.get(f"Users/{person.pk}").json()["preferredLanguage"] == "en-GB"
    # removed: the organisation's default
    scim.patch(f"Users/{person.pk}", {"op": "remove", "path": "preferredLanguage"})
    person.refresh_from_db()
    assert person.language == ""
    assert "preferredLanguage" not in scim.get(f"Users/{person.pk}").json()


def test_a_put_without_either_attribute_leaves_a_language_set_at_manage_alone(scim):
    person = created(scim)
    Person.objects.filter(pk=person.pk).update(language="fr")
    assert scim.put(f"Users/{person.pk}", user_body("bob@example.com", name="Bob B")).status_code == 200
    person.refresh_from_db()
    assert (person.name, person.language) == ("Bob B", "fr")


def test_a_language_change_is_one_line_of_the_audit_log(scim):
    person = created(scim)
    scim.put(f"Users/{person.pk}", user_body("bob@example.com", preferredLanguage="de"))
    subjects = list(ReportAccess.objects.filter(report="scim:user_update").values_list("subject", flat=True))
    assert subjects == ["bob@example.com: language default → de"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"preferredLanguage": "de;q=2"}, "preferredLanguage"),
        ({"preferredLanguage": "not a language"}, "preferredLanguage"),
        ({"preferredLanguage": ["de"]}, "preferredLanguage"),
        ({"locale": "de DE"}, "locale"),
        ({"locale": 7}, "locale"),
    ],
)
def test_a_value_of_the_wrong_form_is_refused_with_invalid_value_naming_the_attribute(scim, extra, named):
    body = scim_error(scim.post("Users", user_body("bob@example.com", **extra)), 400, "invalidValue")
    assert named in body["detail"]
    assert not Person.objects.filter(email="bob@example.com").exists()


def test_the_schema_describes_both_attributes(scim):
    attributes = {
        a["name"]: a for a in scim.get("Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()["attributes"]
    }
    assert attributes["preferredLanguage"]["mutability"] == "readWrite"
    assert (attributes["locale"]["mutability"], attributes["locale"]["returned"]) == ("writeOnly", "never")


subtag = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)
language_range = st.one_of(
    st.sampled_from([*CODES, "DE", "de-DE", "fr_CA", "en-US", "ja", "zh-Hant-TW", "*"]),
    st.builds(lambda a, b: f"{a}-{b}", st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), subtag),
)
weighted = st.builds(
    lambda tag, q: tag if q is None else f"{tag};q={q}",
    language_range,
    st.one_of(st.none(), st.sampled_from(["0", "0.1", "0.5", "0.9", "1", "1.0", "0.001"])),
)


def _expected(ranges: list[str]) -> str:
    """An independent reading of the list: the highest weight, then the first given, whose first subtag is spoken."""
    parsed = []
    for position, item in enumerate(ranges):
        tag, _, q = item.partition(";q=")
        parsed.append((-(float(q) if q else 1.0), position, tag))
    for weight, _, tag in sorted(parsed):
        primary = tag.replace("_", "-").split("-")[0].lower()
        spoken = [code for code in CODES if code.split("-")[0] == primary]
        if weight < 0 and tag != "*" and spoken:
            return spoken[0]
    return ""


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ranges=st.lists(weighted, min_size=1, max_size=5))
def test_a_generated_accept_language_list_gives_the_most_wanted_spoken_language(scim, ranges):
    Person.objects.filter(email="bob@example.com").delete()
    person = created(scim, preferredLanguage=", ".join(ranges))
    assert person.language == _expected(ranges)
