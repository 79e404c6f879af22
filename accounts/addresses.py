"""The client's address, read one way for every rate limit: allauth's (sign-in, sign-up, password
reset) and ours.

Behind a proxy, REMOTE_ADDR is the proxy's address, the same for everybody; X-Forwarded-For is believed
only as far as TRUSTED_PROXY_COUNT (ALLAUTH_TRUSTED_PROXY_COUNT) says, counting from the right, because
the entries left of those the proxies appended are whatever the client chose to send.
"""

from __future__ import annotations

import ipaddress

from allauth import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address as allauth reads it: the X-Forwarded-For entry TRUSTED_PROXY_COUNT from the
    right, or REMOTE_ADDR when that is 0 or the header is absent.

    Raises PermissionDenied when the address found is not an IP address (allauth refuses such a request
    too), and ImproperlyConfigured when the header has fewer entries than the proxies said to append one.
    """
    return get_adapter(request).get_client_ip(request)


def rate_limit_address(request: HttpRequest) -> str:
    """The client address a rate limit counts: an IPv6 address stands for its network of
    ALLAUTH_RATE_LIMIT_IPV6_PREFIX bits (a /64 by default), as in allauth's own limits, because one
    household is handed a whole /64 and could otherwise take a fresh address for every request."""
    address = ipaddress.ip_address(client_address(request))
    if address.version == 6:
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
    return str(address)
