"""Which address a request is counted under (alignsite.client_address): the proxy's header when it holds one IP
address, the connection's peer otherwise, never an empty or made-up key."""

import ipaddress
import logging

import pytest
from django.test import RequestFactory, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from alignsite import client_address
from alignsite.client_address import UNKNOWN, client_limit_key
from tests.test_settings import settings_with

PEER = "198.51.100.7"  # the proxy, or the client itself when nothing sits in front
NOT_ONE_ADDRESS = [
    "203.0.113.9, 198.51.100.1",  # appended to instead of overwritten
    "203.0.113.9 198.51.100.1",
    "203.0.113.9:4431",
    "[2001:db8::1]",
    "fe80::1%eth0",  # a zone can be spelled endlessly
    "unknown",
    "203.0.113.256",
    "0203.0.113.9",
    "garbage-7",
]
factory = RequestFactory()


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch):
    """Each test is a process that has warned about nothing yet."""
    monkeypatch.setattr(client_address, "_warned", set())


@pytest.fixture
def behind_proxy(settings):
    settings.ALIGN_CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"


def request_from(peer=PEER, **headers):
    return factory.get("/s/anything/", REMOTE_ADDR=peer, **headers)


def test_by_default_the_peer_is_the_client_whatever_headers_say(settings):
    settings.ALIGN_CLIENT_IP_META_KEY = "REMOTE_ADDR"
    assert client_limit_key(request_from(HTTP_X_REAL_IP="203.0.113.9")) == PEER


def test_behind_the_proxy_its_header_names_the_client(behind_proxy):
    assert client_limit_key(request_from(HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"
    assert client_limit_key(request_from(HTTP_X_REAL_IP=" 203.0.113.9 ")) == "203.0.113.9"


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_X_REAL_IP": ""}, {"HTTP_X_REAL_IP": "  "}], ids=["absent", "empty", "blank"]
)
def test_without_the_header_a_request_counts_under_its_peer_not_an_empty_key(behind_proxy, headers):
    assert client_limit_key(request_from(**headers)) == PEER
    assert client_limit_key(request_from("192.0.2.1", **headers)) == "192.0.2.1"


def test_a_missing_header_is_warned_about_once_per_process_without_the_address(behind_proxy, caplog):
    for peer in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        client_limit_key(request_from(peer))

    [warning] = [r for r in caplog.records if r.name == "alignsite.client_address"]
    assert warning.levelno == logging.WARNING
    assert "HTTP_X_REAL_IP" in warning.getMessage()
    assert "192.0.2." not in warning.getMessage()


@pytest.mark.parametrize("value", NOT_ONE_ADDRESS)
def test_a_header_that_is_not_one_address_counts_under_the_peer(behind_proxy, value):
    assert client_limit_key(request_from(HTTP_X_REAL_IP=value)) == PEER


def test_a_header_that_is_not_one_address_is_warned_about_once_without_its_value(behind_proxy, caplog):
    for value in NOT_ONE_ADDRESS:
        client_limit_key(request_from(HTTP_X_REAL_IP=value))

    [warning] = [r for r in caplog.records if r.name == "alignsite.client_address"]
    assert "203.0.113" not in warning.getMessage() and PEER not in warning.getMessage()


def test_an_ipv6_client_counts_by_its_slash_64_however_the_address_is_spelled(behind_proxy):
    spellings = ["2001:db8:1:2::1", "2001:0db8:0001:0002:0000:0000:0000:0001", "2001:DB8:1:2:ffff::9"]
    assert {client_limit_key(request_from(HTTP_X_REAL_IP=s)) for s in spellings} == {"2001:db8:1:2::/64"}
    assert client_limit_key(request_from(HTTP_X_REAL_IP="2001:db8:1:3::1")) == "2001:db8:1:3::/64"


def test_an_ipv4_mapped_address_counts_as_the_ipv4_address_it_carries(behind_proxy):
    assert client_limit_key(request_from(HTTP_X_REAL_IP="::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_limit_key(request_from("::ffff:192.0.2.1")) == "192.0.2.1"


def test_a_peer_without_an_ip_address_shares_one_bucket_and_is_warned_about_once(caplog):
    # gunicorn on a Unix socket, with nothing naming the client
    assert client_limit_key(request_from("")) == client_limit_key(request_from("/run/gunicorn.sock")) == UNKNOWN
    assert len([r for r in caplog.records if r.name == "alignsite.client_address"]) == 1


@pytest.mark.parametrize("key", ["X-Real-IP", "HTTP_X-REAL-IP", "http_x_real_ip", ""])
def test_a_meta_key_that_names_no_header_refuses_to_start(tmp_path, key):
    done = settings_with(tmp_path, ALIGN_CLIENT_IP_META_KEY=key)
    assert done.returncode != 0
    assert "ALIGN_CLIENT_IP_META_KEY" in done.stderr


def test_a_meta_key_naming_a_header_starts(tmp_path):
    show = "from django.conf import settings as s; print(s.ALIGN_CLIENT_IP_META_KEY)"
    done = settings_with(tmp_path, show=show, ALIGN_CLIENT_IP_META_KEY="HTTP_X_REAL_IP")
    assert done.stdout.split() == ["HTTP_X_REAL_IP"], done.stderr


addresses = st.ip_addresses().map(str)
header_values = st.one_of(
    st.text(),
    addresses,
    st.lists(addresses, min_size=2, max_size=4).map(", ".join),
    st.tuples(st.sampled_from(["", " ", "\t"]), addresses, st.sampled_from(["", " ", "\n"])).map("".join),
    st.tuples(addresses, st.text(min_size=1)).map(lambda pair: f"{pair[0]}%{pair[1]}"),
    st.tuples(addresses, st.integers(0, 65535)).map(lambda pair: f"{pair[0]}:{pair[1]}"),
)


def one_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return the address `text` is, with no zone, as the proxy would send it; None if it is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if "%" in text:
        return None
    return getattr(address, "ipv4_mapped", None) or address


@hypothesis_settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=header_values, peer=st.ip_addresses())
def test_the_key_is_always_the_network_of_a_valid_address_the_headers_or_else_the_peers(value, peer):
    with override_settings(ALIGN_CLIENT_IP_META_KEY="HTTP_X_REAL_IP"):
        key = client_limit_key(request_from(str(peer), HTTP_X_REAL_IP=value))
        without_header = client_limit_key(request_from(str(peer)))

    network = ipaddress.ip_network(key)  # raises unless the key is a network: never "", never the raw value
    assert network.prefixlen == (32 if network.version == 4 else 64)
    claimed = one_address(value)
    if claimed is not None:
        assert claimed in network
    else:
        assert (getattr(peer, "ipv4_mapped", None) or peer) in network
        assert key == without_header  # a forged value that is not one address buys no bucket of its own
