"""Where pledgeflow may send a request that a user told it to send (webhooks): public addresses only.

Any organisation's user registers its webhook URL, and the worker then POSTs to it; without care that is a way
to make the worker call internal services (SSRF). So:
- the URL is https (plain http is allowed in development only), with a host and no credentials in it;
- every address its host resolves to is public (not loopback, private, link-local, shared, multicast or reserved);
  checked when the URL is registered, and again at each delivery, because a name may resolve differently later;
- a delivery connects to the address it checked (the host is kept for TLS and the Host header), so the name cannot
  be re-resolved to another address in between; and it never follows a redirect.

`PLEDGEFLOW_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true` lifts the address rule, for a test receiver on this machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx


class UnsafeDestination(ValueError):
    """The URL may not be called; the message says why, for the user who registered it."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class EgressPolicy:
    allow_http: bool = False
    allow_private: bool = False

    def check_shape(self, url: str) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as error:
            raise UnsafeDestination(f"{url!r} is not a URL") from error
        if parsed.scheme != "https" and not (self.allow_http and parsed.scheme == "http"):
            raise UnsafeDestination("a webhook URL must use https")
        if not parsed.host:
            raise UnsafeDestination("a webhook URL needs a host")
        if parsed.userinfo:
            raise UnsafeDestination("a webhook URL may not carry a user name or password; the body is signed instead")
        return parsed

    async def address_of(self, url: str) -> tuple[httpx.URL, str]:
        """The URL and the one address to connect to, once every address of its host has been checked."""
        parsed = self.check_shape(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            found = await asyncio.get_running_loop().getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise UnsafeDestination(f"the host {parsed.host} cannot be resolved") from error
        addresses = sorted({str(info[4][0]) for info in found})
        if not addresses:
            raise UnsafeDestination(f"the host {parsed.host} cannot be resolved")
        if not self.allow_private:
            private = [a for a in addresses if not is_public(a)]
            if private:
                raise UnsafeDestination(
                    f"the host {parsed.host} resolves to {', '.join(private)}, which is not a public address; "
                    "webhooks are sent to public addresses only"
                )
        return parsed, addresses[0]


def pinned_request(url: httpx.URL, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL to connect to `address`, the Host header and the request extensions (TLS name) that go with it."""
    host_header = url.netloc.decode()
    return url.copy_with(host=address), {"Host": host_header}, {"sni_hostname": url.host}
