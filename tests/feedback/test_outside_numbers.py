"""Any text read as a number from outside (a CSV cell, an API value, a JSON body, a header) is read or refused
with the reader's own error, never a 500: Python's int() reads at most 4,300 digits and raises a plain ValueError
beyond, which an exponent of 4,400 nines reached in the metric upload and the API (issue 20, attack round 2
item 8)."""

import contextlib
import hashlib
import hmac
import io
import json
import math
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from feedback import services, stored_numbers
from feedback.api_parsers import JsonParser
from feedback.apis import MachineNumberField
from feedback.metrics_csv import read_number
from feedback.models import MetricValue, RawEvent, Repository
from feedback.stored_numbers import NumberError
from surveys.models import Person
from tests.factories import TeamFactory, manager_of

NINES = "9" * 4400
TINY = "0" * 4400 + "5"  # 1E-000…05 is 1E-5

# Numbers as a program or a person might write one, with runs of digits far longer than int() reads.
LONG_RUN = st.builds(lambda digit, length: digit * length, st.sampled_from("0159"), st.integers(4290, 4500))
PIECE = st.sampled_from(["", "1", "0", "5", "-", "+", "−", ".", ",", "e", "E", "E-", "e+", " ", "%", "٫", "١"])
NUMBER_LIKE = st.lists(PIECE | LONG_RUN, min_size=1, max_size=6).map("".join)


def test_an_exponent_has_its_value_whatever_its_length():
    assert stored_numbers.power("-5") == -5
    assert stored_numbers.power("+0012") == 12
    assert stored_numbers.power("-" + TINY) == -5
    assert stored_numbers.power(NINES) == 10**18
    assert stored_numbers.power("-" + NINES) == -(10**18)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (f"1E{NINES}", "too large to store"),
        (f"1E-{NINES}", "too close to zero"),
        (f"-1,5E+{NINES}", "too large to store"),
    ],
)
def test_a_cell_whose_exponent_has_thousands_of_digits_is_refused_by_name(cell, message):
    with pytest.raises(NumberError, match=message):
        read_number(cell)


def test_an_exponent_with_thousands_of_leading_zeros_is_read():
    assert read_number(f"1E-{TINY}") == (1e-5, False)
    assert read_number(f"0E{NINES}") == (0.0, False)  # zero times anything


@settings(max_examples=300, deadline=None)
@given(text=NUMBER_LIKE | st.text(max_size=30))
def test_any_cell_is_read_or_refused_with_a_number_error(text):
    try:
        value, _ = read_number(text)
    except NumberError:
        return
    assert isinstance(value, float)


@settings(max_examples=300, deadline=None)
@given(text=NUMBER_LIKE | st.text(max_size=30))
def test_any_api_value_is_read_or_refused_with_a_validation_error(text):
    try:
        value = MachineNumberField().to_internal_value(text)
    except serializers.ValidationError:
        return
    assert isinstance(value, float)


JSON_NUMBER = st.builds(
    lambda sign, digits, fraction, exponent: f"{sign}{digits}{fraction}{exponent}",
    st.sampled_from(["", "-"]),
    st.sampled_from(["0", "1", "12"]) | LONG_RUN.map(lambda run: "1" + run),
    st.sampled_from(["", ".5"]),
    st.sampled_from(["", "e5", "E-3"]) | LONG_RUN.map(lambda run: "e" + run) | LONG_RUN.map(lambda run: "E-" + run),
)


@settings(max_examples=200, deadline=None)
@given(number=JSON_NUMBER)
def test_any_json_number_in_an_api_body_is_read_or_refused_as_a_bad_body(number):
    body = f'{{"values": [{{"value": {number}}}]}}'.encode()
    try:
        data = JsonParser().parse(io.BytesIO(body), parser_context={})
    except ParseError:
        return
    with contextlib.suppress(serializers.ValidationError):
        assert isinstance(MachineNumberField().to_internal_value(data["values"][0]["value"]), float)


def test_an_integer_too_long_to_read_is_a_bad_body_saying_so():
    with pytest.raises(ParseError, match="4,401 digits"):
        JsonParser().parse(io.BytesIO(b'{"value": 1' + b"0" * 4400 + b"}"), parser_context={})


# Through the pages and endpoints, with the report's examples.


@pytest.fixture
def alice(client):
    """Alice is an admin of Acme."""
    acme = TeamFactory(name="Acme")
    user, _ = manager_of(acme, email="alice@example.com", role=Person.Role.ADMIN)
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "status", "shown"),
    [(f"1E{NINES}", 400, "is too large to store"), (f"1E-{TINY}", 200, '<td class="breakable">1e-05</td>')],
)
def test_the_metric_upload_previews_a_cell_with_a_long_exponent(client, alice, value, status, shown):
    text = f"metric,team,period_start,period_end,value\nrevenue,Acme,2026-10-01,2026-10-31,{value}\n"
    response = client.post(
        reverse("feedback:manage_metrics_upload"), {"file": SimpleUploadedFile("m.csv", text.encode())}
    )
    assert response.status_code == status
    assert shown in response.content.decode()


@pytest.fixture
def machine():
    """A client holding a live ingestion token."""
    TeamFactory(name="Acme")
    _, secret = services.api_token_create(name="CI exporter", created_by=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def batch(machine, value_json: str):
    body = (
        '{"values": [{"metric": "revenue", "team": "Acme", "period_start": "2026-10-01", "period_end": "2026-10-31", '
        f'"value": {value_json}}}]}}'
    )
    return machine.post(reverse("api-metric-values-batch"), data=body, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("value_json", [f"1E{NINES}", f'"1E{NINES}"', f'"-1e+{NINES}"'])
def test_the_api_refuses_a_value_whose_exponent_has_thousands_of_digits_as_too_large(machine, value_json):
    response = batch(machine, value_json)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["index"], error["field"]) == (0, "value")
    assert "too large to store" in error["message"]
    assert not MetricValue.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value_json", ["1e308", "-1e308", "1.0000000000000001e20", "123456789012345678901"])
def test_a_value_beyond_1e20_is_refused_so_no_sum_of_values_overflows(machine, value_json):
    # the report's example: 1e308 and -1e308 were stored, and the dashboard showed "inf %" and "-inf %"
    response = batch(machine, value_json)
    assert response.status_code == 400
    assert "at most 1e20" in response.json()["errors"][0]["message"]
    assert batch(machine, "1e20").status_code == 200


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_storable_value_is_at_most_1e20_and_5000_of_them_sum_to_a_number(value):
    try:
        stored = stored_numbers.to_float(Decimal(repr(value)), repr(value))
    except NumberError as error:
        assert abs(value) > 1e20 or (value != 0 and abs(value) < 1e-300) or "significant digits" in str(error)
        return
    assert abs(stored) <= 1e20 and math.isfinite(math.fsum([stored] * 5000)) and math.isfinite(sum([stored] * 5000))


@pytest.mark.django_db
def test_the_api_stores_a_value_whose_exponent_has_thousands_of_leading_zeros(machine):
    assert batch(machine, f'"1E-{TINY}"').json() == {"created": 1, "updated": 0}
    assert MetricValue.objects.get().value == 1e-5


@pytest.mark.django_db
def test_the_api_refuses_an_integer_too_long_to_read_naming_its_length(machine):
    response = batch(machine, "1" + "0" * 4400)
    assert response.status_code == 400
    assert "4,401 digits" in response.json()["errors"][0]["message"]


SECRET = "webhook-secret-for-tests"


def deliver(client, body: bytes, *, delivery="n-1", **headers):
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("webhook-github"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY=delivery,
        **headers,
    )


@pytest.fixture
def webhook(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    Repository.objects.create(full_name="acme/payments-api", team=TeamFactory(name="Payments"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1" + "0" * 4400, "4,401 digits"),
        ("1e400", "too large to keep"),
        (f"1E{NINES}", "too large to keep"),
        ("NaN", "not valid JSON"),
        ("-Infinity", "not valid JSON"),
    ],
)
def test_a_signed_delivery_with_a_number_no_column_keeps_is_a_400_storing_nothing(client, webhook, number, message):
    body = f'{{"repository": {{"full_name": "acme/payments-api"}}, "extra": {number}}}'.encode()
    response = deliver(client, body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not RawEvent.objects.exists()


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=JSON_NUMBER)
def test_a_signed_delivery_with_any_number_is_kept_or_refused_with_a_400(client, webhook, number):
    delivery = f"n-{hashlib.sha256(number.encode()).hexdigest()[:32]}"
    body = json.dumps({"repository": {"full_name": "acme/elsewhere"}}).encode()[:-1] + f', "n": {number}}}'.encode()
    response = deliver(client, body, delivery=delivery)
    stored = RawEvent.objects.filter(delivery_id=delivery).exists()
    assert (response.status_code, stored) in {(200, True), (400, False)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("length", "statuses"),
    [
        ("ten", {400}),
        ("9" * 5000, {400}),
        ("0" * 5000 + "37", {400}),
        ("6000000", {413}),
        ("0000000037", {200}),
    ],
)
def test_a_content_length_of_any_text_is_read_or_refused(client, webhook, length, statuses):
    body = b'{"zen": "Keep it logically awesome."}'
    assert len(body) == 37
    response = deliver(client, body, CONTENT_LENGTH=length)
    assert response.status_code in statuses, response.content
    assert RawEvent.objects.exists() == (response.status_code == 200)
