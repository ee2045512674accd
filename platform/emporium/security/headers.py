"""Security headers on every response, and which proxies are trusted to say
how the client connected (X-Forwarded-Proto, X-Forwarded-For)."""

from __future__ import annotations

import ipaddress

from emporium.settings import setting_value

DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def _trusted(address: str | None, networks) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def proxy_tween_factory(handler, registry):
    """Believe X-Forwarded-* only when the peer is a configured proxy; then
    the client is the last address in X-Forwarded-For no proxy of ours added."""
    networks = setting_value(registry.settings, "emporium.trusted_proxies")

    def proxy_tween(request):
        environ = request.environ
        peer = environ.get("REMOTE_ADDR")
        if networks and _trusted(peer, networks):
            proto = request.headers.get("X-Forwarded-Proto", "").strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            hops = [
                h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
            ]
            for hop in reversed([h for h in hops if h]):
                if not _trusted(hop, networks):
                    environ["REMOTE_ADDR"] = hop
                    break
        return handler(request)

    return proxy_tween


def security_headers_tween_factory(handler, registry):
    csp = setting_value(registry.settings, "emporium.security.csp") or DEFAULT_CSP

    def security_headers_tween(request):
        response = handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.scheme == "https":
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return security_headers_tween
