"""The client address that every rate limit counts, allauth's and ours, read as a proxy passes it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.addresses import client_address, rate_limit_address

PROXY = "10.0.0.2"


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


@pytest.fixture
def proxies(settings):
    def trust(count: int) -> None:
        settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = count

    return trust


def test_without_a_trusted_proxy_forwarded_for_is_ignored(proxies):
    proxies(0)

    assert client_address(request_from("192.0.2.44", "198.51.100.7")) == "192.0.2.44"


def test_behind_one_proxy_the_address_it_appended_is_the_client(proxies):
    proxies(1)

    assert client_address(request_from(PROXY, "203.0.113.5")) == "203.0.113.5"
    assert client_address(request_from(PROXY, "198.51.100.7, 203.0.113.5")) == "203.0.113.5"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(proxies):
    proxies(2)

    assert client_address(request_from(PROXY, "198.51.100.7, 203.0.113.5, 10.0.0.3")) == "203.0.113.5"


def test_a_request_that_did_not_pass_the_proxy_is_counted_by_its_own_address(proxies):
    proxies(1)

    assert client_address(request_from("192.0.2.44")) == "192.0.2.44"


def test_a_forwarded_address_that_is_not_one_is_refused(proxies):
    proxies(1)

    with pytest.raises(PermissionDenied):
        client_address(request_from(PROXY, "198.51.100.7, not-an-address"))


def test_an_ipv4_client_is_counted_alone_and_an_ipv6_client_by_its_64(proxies):
    proxies(0)

    assert rate_limit_address(request_from("192.0.2.44")) == "192.0.2.44"
    assert rate_limit_address(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert rate_limit_address(request_from("2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::"
    assert rate_limit_address(request_from("2001:db8:1:3::1")) == "2001:db8:1:3::"
