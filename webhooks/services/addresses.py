"""Which URLs may receive webhooks (SSRF guard), checked at creation and again at send time:
DNS can change between the two.

Refused unless settings.WEBHOOKS_ALLOW_PRIVATE: any address that is not globally routable
(loopback, RFC 1918 private, link-local incl. the 169.254.169.254 metadata address, CGNAT,
unique-local and IPv4-mapped IPv6 forms of those). Plain http is allowed only when
WEBHOOKS_ALLOW_PRIVATE or DEBUG is on (local and test settings); production needs https.
"""

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

from ..errors import UnsafeUrl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def allow_http() -> bool:
    return allow_private() or bool(settings.DEBUG)


def parse(url: str) -> SplitResult:
    """Scheme and host checks that need no DNS."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl("Use an https:// URL.")
    if parts.scheme == "http" and not allow_http():
        raise UnsafeUrl("Use an https:// URL (plain http is refused in production).")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Credentials in the URL are refused; verify the signature instead.")
    try:
        parts.port  # noqa: B018 (raises on an out-of-range port)
    except ValueError:
        raise UnsafeUrl("The URL's port is invalid.") from None
    return parts


# IPv6 ranges that carry an IPv4 address a gateway may forward to: NAT64's well-known prefix
# (RFC 6052; an IPv6-only network's DNS64 answers public names with it, so the embedded address
# decides), the local-use NAT64 prefix (RFC 8215: site-local by definition) and the deprecated
# IPv4-compatible ::/96 (nothing public uses it).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address leads to."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refused(ip: IPAddress) -> str | None:
    """Why this address may not receive webhooks, or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or (ip in _V4_COMPATIBLE and not ip.is_loopback):
            return "not publicly routable"
        ip = _embedded_ipv4(ip) or ip
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if ip.is_private:
        return "private"
    if not ip.is_global or ip.is_multicast:
        return "not publicly routable"
    return None


def resolve(parts: SplitResult) -> list[str]:
    """Every address the host resolves to, each refused one raising UnsafeUrl (unless private
    addresses are allowed). An IP literal is checked as is."""
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"The host `{host}` does not resolve.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private():
        for address in addresses:
            reason = refused(ipaddress.ip_address(address.split("%", 1)[0]))
            if reason:
                raise UnsafeUrl(f"The host `{host}` resolves to a {reason} address ({address}).")
    return addresses


def check_url(url: str) -> None:
    """At creation: UnsafeUrl unless the URL is allowed. With private addresses allowed no
    DNS is asked (a name may resolve only where the receiver runs); send time resolves."""
    parts = parse(url)
    if not allow_private():
        resolve(parts)
