"""Where a webhook may go, and the one way it is sent there.

An endpoint must be https (http only where private addresses are allowed: a test receiver, an
intranet CRM), without a user or password in it. Its host is resolved and every address must be
public unless CAREERLINK_WEBHOOKS_ALLOW_PRIVATE is set: loopback, private, link-local (cloud
metadata), multicast, reserved and unspecified addresses are refused, IPv4-mapped IPv6 too. The
check is made when the endpoint is registered and again before each delivery, which connects to
the very address it checked (a DNS answer that changes in between cannot redirect it). Redirects
are never followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _

URL_MAX = 500
# A receiver's answer is read up to this much (for the delivery log), no more.
READ_LIMIT = 4096


class UnsafeEndpoint(ValueError):
    """The address is not one webhooks may be sent to (the message says why)."""


@dataclass(frozen=True)
class Target:
    """A checked endpoint: where to connect, and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def parse(url: str, allow_private: bool) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of an endpoint URL; UnsafeEndpoint when it cannot be one."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in url):
        raise UnsafeEndpoint(_("Enter an https:// address of at most %(n)d characters.", n=URL_MAX))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeEndpoint(_("That address cannot be read; check the port.")) from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise UnsafeEndpoint(_("Webhooks are sent only to https:// addresses."))
    if parts.username or parts.password:
        raise UnsafeEndpoint(_("Leave the user and password out of the address."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeEndpoint(_("The address has no host name."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int, allow_private: bool) -> tuple[str, ...]:
    """Every address of the host; UnsafeEndpoint if it has none or one is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeEndpoint(_("The host %(host)s cannot be found.", host=host)) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeEndpoint(_("The host %(host)s cannot be found.", host=host))
    if not allow_private:
        for address in addresses:
            if not _is_public(address):
                raise UnsafeEndpoint(
                    f"{host} resolves to {address}, a loopback, private or reserved address; "
                    "webhooks go only to public addresses."
                )
    return addresses


def check(url: str, allow_private: bool) -> Target:
    """Parse and resolve an endpoint, refusing any address that is not allowed."""
    scheme, host, port, path = parse(url, allow_private)
    return Target(scheme, host, port, path, resolve(host, port, allow_private))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the checked address, whatever the host name resolves to now."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self):
        """Connect to the checked address."""
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is checked against the host name."""

    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = address

    def connect(self):
        """Connect to the checked address, then TLS with the endpoint's host name."""
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST the body to the first reachable checked address: (status, start of the answer)."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    last_error: OSError | None = None
    for address in target.addresses:
        connection = connection_class(target, address, timeout)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read(READ_LIMIT).decode("utf-8", "replace")
            return response.status, text
        except (ConnectionRefusedError, TimeoutError) as exc:
            last_error = exc
            continue
        finally:
            connection.close()
    raise last_error or OSError("no address to connect to")
