# Emporium's proxy tier (Varnish 7.1, the xkey and digest vmods).
#
# - Caches what the app marks cacheable (Cache-Control public with
#   s-maxage or max-age) and nothing else; passes every unsafe method and
#   every user-specific page (private, no-store, Set-Cookie).
# - The cache key is the URL (tracking parameters stripped) and the host;
#   never a cookie.
# - Static assets are kept a day.
# - Grace: a stale page is served while it is refetched, and for hours when
#   the probe says the app servers are down or a fetch fails (the balancer's
#   queue is full, an app server is slow): degrade, never collapse.
# - GET /proxy-health is answered here (the edge's check of this tier: it
#   routes here whatever the app servers' state, since cached pages are
#   served without them).
# - PURGE of one URL and BAN with "x-ban-prefix" remove pages at once (the
#   admin's emergency purge); PURGE with "xkey-purge: <keys>" (surrogate keys
#   the app sends in "xkey", after a change commits) is a soft purge: the
#   page is refetched by the next request while the stale copy is served to
#   those arriving in the meantime, so a hot page never piles shoppers up
#   behind one fetch. From the "purgers" ACL only.
# - A backend error never reaches the cache, and a shopper whose page could
#   not be fetched gets its stale copy, else a short 503 with Retry-After.
# - A first-time visitor gets a session cookie here, even on a hit:
#   <id>.<hex HMAC-SHA256 of id>, under the first key of
#   EMPORIUM_SESSION_SECRET (the app's own setting, read from varnishd's
#   environment, so the key is in no file): the app verifies and adopts it.
#   With it come the session's CSRF token in emporium_csrf (the hex HMAC of
#   "csrf:<id>", as the app makes it; scripts copy it into forms) and the end
#   of any emporium_shopper cookie left from an older session.
#
# The backend, its probe and the purgers ACL are in emporium-site.vcl, found
# on vcl_path (start varnishd with -p vcl_path=<site folder>:<this folder>).

vcl 4.1;

import std;
import xkey;
import digest;
import header;

include "emporium-site.vcl";

sub vcl_recv {
    # Our own markers are never taken from a client, nor carried over by a
    # restart unless it is the stale-fallback restart (vcl_deliver).
    if (req.restarts == 0) {
        unset req.http.x-emporium-stale;
        unset req.http.x-emporium-cookie;
        unset req.http.x-emporium-csrf;
    }
    unset req.http.x-cache;
    if (req.url == "/proxy-health" && (req.method == "GET" || req.method == "HEAD")) {
        return (synth(200, "OK"));
    }
    # A request id (the edge's) is passed on only when well formed.
    if (req.http.X-Request-Id && req.http.X-Request-Id !~ "^[A-Za-z0-9._-]{8,64}$") {
        unset req.http.X-Request-Id;
    }

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.softpurge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.x-purged));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.http.x-ban-prefix !~ "^/") {
            return (synth(400, "x-ban-prefix must be a path"));
        }
        # Regex metacharacters of the prefix are escaped: it is a prefix.
        if (std.ban("obj.http.x-url ~ ^" + regsuball(req.http.x-ban-prefix,
                "([][.^$*+?(){}|\\])", "\\\1"))) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }

    # Tracking parameters never split the cache (nor reach the app).
    if (req.url ~ "[?&](utm_[a-z_]+|gclid|fbclid|dclid|msclkid|mc_eid)=") {
        set req.url = regsuball(req.url,
            "([?&])(utm_[a-z_]+|gclid|fbclid|dclid|msclkid|mc_eid)=[^&]*", "\1");
        set req.url = regsuball(req.url, "([?&])[?&]+", "\1");
        set req.url = regsub(req.url, "[?&]+$", "");
    }

    # Static files are the same for everyone: no cookie, no session.
    if (req.url ~ "^/(static/|themes/|images/|favicon\.ico)") {
        unset req.http.Cookie;
        return (hash);
    }

    if (req.restarts == 0) {
        call emporium_session_cookie;
    }

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Shopper's own pages: never looked up, never stored.
    if (req.url ~ "^/((cart|checkout|orders|account|admin|api/v1/(cart|checkout|orders))(/|\?|$)|(health|metrics)(\?|$))") {
        return (pass);
    }
    # While the app servers are healthy a stale page is served only for the
    # few seconds its refetch takes; when they are down, or the fetch of
    # this very request failed (a restart from vcl_deliver), for the
    # object's whole grace.
    if (std.healthy(req.backend_hint) && !req.http.x-emporium-stale) {
        set req.grace = 10s;
    }
    # The Cookie header stays for the app (it ignores it on cacheable pages)
    # but is not part of the key (vcl_hash) and does not force a pass.
    return (hash);
}

# A visitor without a well-formed session cookie gets one made here. The id
# is its issue time and an HMAC of per-request material (transaction id,
# time, a random number, the client) under the secret key, so it cannot be
# predicted; its MAC is the one the app computes, and the app refuses it
# past the absolute timeout. The app sees it on this very request.
sub emporium_session_cookie {
    if (req.http.Cookie ~ "(^|;\s*)emporium_session=[A-Za-z0-9_-]{32,64}\.[0-9a-f]{64}(;|$)") {
        return;
    }
    if (req.url ~ "^/(health|metrics)(\?|$)") {
        return;  # probes and scrapers are not visitors
    }
    if (std.getenv("EMPORIUM_SESSION_SECRET") !~ "\S") {
        return;  # no key: the app assigns sessions itself
    }
    # t<issued, epoch seconds>-<40 hex digits>, as the app's own ids.
    set req.http.x-emporium-cookie = "t" + std.integer(time=now) + "-"
        + regsub(digest.hmac_sha256(
            regsub(std.getenv("EMPORIUM_SESSION_SECRET"), "^\s*(\S+).*$", "\1"),
            "sid:" + req.xid + ":" + now + ":" + std.random(0, 1000000000) + ":"
                + client.ip + ":" + server.identity), "^0x(.{40}).*$", "\1");
    set req.http.x-emporium-csrf = regsub(digest.hmac_sha256(
            regsub(std.getenv("EMPORIUM_SESSION_SECRET"), "^\s*(\S+).*$", "\1"),
            "csrf:" + req.http.x-emporium-cookie), "^0x", "");
    set req.http.x-emporium-cookie = req.http.x-emporium-cookie + "." + regsub(
        digest.hmac_sha256(
            regsub(std.getenv("EMPORIUM_SESSION_SECRET"), "^\s*(\S+).*$", "\1"),
            req.http.x-emporium-cookie), "^0x", "");
    if (req.http.Cookie) {
        set req.http.Cookie = regsuball(req.http.Cookie,
            "(^|;\s*)emporium_session=[^;]*", "");
        set req.http.Cookie = regsub(req.http.Cookie, "^;\s*", "");
    }
    if (req.http.Cookie ~ "\S") {
        set req.http.Cookie = req.http.Cookie + "; emporium_session="
            + req.http.x-emporium-cookie;
    } else {
        set req.http.Cookie = "emporium_session=" + req.http.x-emporium-cookie;
    }
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(std.tolower(req.http.host));
    } else {
        hash_data(server.ip);
    }
    return (lookup);
}

sub vcl_hit {
    if (obj.ttl < 0s) {
        set req.http.x-cache = "HIT-STALE";
    }
}

sub vcl_miss {
    # The fetch failed once and there is no stale copy: the shopper is told
    # to come back rather than made to wait for a second failure.
    if (req.http.x-emporium-stale) {
        return (synth(503, "Busy"));
    }
    set req.http.x-cache = "MISS";
}

sub vcl_pass {
    set req.http.x-cache = "PASS";
}

sub vcl_backend_fetch {
    # Our marker is for the shopper, the Cookie header carries it to the app.
    unset bereq.http.x-emporium-cookie;
    unset bereq.http.x-emporium-csrf;
    unset bereq.http.x-emporium-stale;
    unset bereq.http.x-cache;
}

sub vcl_backend_response {
    # For bans by prefix (lurker-friendly: only obj.http.* is tested).
    set beresp.http.x-url = bereq.url;
    # What runs behind us is nobody's business.
    unset beresp.http.Server;

    # An error is never stored: a background refetch that fails keeps the
    # stale copy, a foreground one leaves nothing behind it (no
    # hit-for-miss that would hide the stale copy from the restart).
    if (beresp.status >= 500) {
        if (bereq.is_bgfetch) {
            return (abandon);
        }
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        return (deliver);
    }
    if (bereq.url ~ "^/(static/|themes/|images/|favicon\.ico)") {
        if (beresp.status == 200) {
            unset beresp.http.Set-Cookie;
            unset beresp.http.X-Request-Id;  # see below
            set beresp.ttl = 1d;
            set beresp.grace = 1d;
            if (bereq.url ~ "^/images/media/") {
                # Named by content hash: the bytes behind a URL never change.
                set beresp.ttl = 365d;
            }
            return (deliver);
        }
    }
    # Only what the app marks cacheable, and nothing of one shopper's.
    if (bereq.uncacheable
            || beresp.http.Set-Cookie
            || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
            || beresp.http.Cache-Control !~ "(?i)(public|s-maxage)"
            || beresp.http.Vary ~ "(?i)(cookie|\*)") {
        # Hit-for-miss: the next requests go straight to the app, in parallel.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # An https copy (absolute URLs, HSTS) is never served over http: the
    # edge sets X-Forwarded-Proto, and each scheme gets its own variant
    # (a variant, not a hash input, so a purge of the URL takes both).
    if (!beresp.http.Vary) {
        set beresp.http.Vary = "X-Forwarded-Proto";
    } elsif (beresp.http.Vary !~ "(?i)x-forwarded-proto") {
        set beresp.http.Vary = beresp.http.Vary + ", X-Forwarded-Proto";
    }
    # beresp.ttl comes from s-maxage. Stale copies stay for grace.
    set beresp.grace = 6h;
    set beresp.keep = 1h;
    # Caches downstream cannot be purged: they get the browser's max-age.
    # Rewritten once here, so that a hit delivers the stored header as is.
    set beresp.http.Cache-Control = regsub(beresp.http.Cache-Control,
        ",\s*s-maxage=\d+", "");
    # The id of the request that fetched a stored page is not stored with it:
    # each answer carries its own request's id (vcl_deliver).
    unset beresp.http.X-Request-Id;
    return (deliver);
}

sub vcl_backend_error {
    # No answer at all (connection refused, timeout): nothing is stored.
    set beresp.ttl = 0s;
    set beresp.grace = 0s;
    set beresp.uncacheable = true;
    if (bereq.is_bgfetch) {
        return (abandon);
    }
    set beresp.http.x-emporium-fetch-failed = "1";
}

sub vcl_deliver {
    # A page that could not be fetched (the apps are busy, slow or down) is
    # looked up again once, with the whole grace: a stale copy beats an
    # error. Only what could have been cached; a pass has no copy.
    if (resp.status >= 502 && resp.status <= 504 && req.restarts == 0
            && req.http.x-cache == "MISS"
            && (req.method == "GET" || req.method == "HEAD")) {
        set req.http.x-emporium-stale = "1";
        return (restart);
    }
    # No answer from the apps for a page that is never cached: the same
    # short 503 (the app's own errors, and the balancer's, pass as they are).
    if (resp.http.x-emporium-fetch-failed) {
        return (synth(503, "Busy"));
    }
    # A fresh hit, the common case, is the one not marked on the way.
    if (req.http.x-cache) {
        set resp.http.X-Cache = req.http.x-cache;
    } else {
        set resp.http.X-Cache = "HIT";
    }
    unset resp.http.x-url;
    unset resp.http.Via;
    # The surrogate keys are for us; the purgers may see them.
    if (!(client.ip ~ purgers && req.http.x-emporium-debug)) {
        unset resp.http.xkey;
    }
    # A cached page answers with this request's id (the edge's), if any.
    if (req.http.X-Request-Id) {
        set resp.http.X-Request-Id = req.http.X-Request-Id;
    }
    if (req.http.x-emporium-cookie && resp.http.Set-Cookie !~ "emporium_session=") {
        # This copy carries one visitor's new session id: no cache after us
        # (a CDN, an office proxy) may keep it and hand it to someone else.
        set resp.http.Cache-Control = "private, no-store";
        # The app's attributes: 30 days, HttpOnly, SameSite=Lax, Secure on TLS;
        # the token is for scripts (not HttpOnly).
        if (req.http.X-Forwarded-Proto ~ "(?i)^https") {
            set req.http.x-emporium-attributes = "; Max-Age=2592000; Path=/; Secure; SameSite=Lax";
        } else {
            set req.http.x-emporium-attributes = "; Max-Age=2592000; Path=/; SameSite=Lax";
        }
        header.append(resp.http.Set-Cookie, "emporium_session="
            + req.http.x-emporium-cookie + req.http.x-emporium-attributes
            + "; HttpOnly");
        header.append(resp.http.Set-Cookie, "emporium_csrf="
            + req.http.x-emporium-csrf + req.http.x-emporium-attributes);
        if (req.http.Cookie ~ "(^|;\s*)emporium_shopper=") {
            header.append(resp.http.Set-Cookie,
                "emporium_shopper=; Max-Age=0; Path=/; SameSite=Lax");
        }
        unset req.http.x-emporium-attributes;
    }
}

# The answer when the app servers cannot take a request and no copy is
# held: short, in the store's look, and telling when to come back. The
# balancer's own 503 (deploy/haproxy/errors/503.http) says the same.
sub vcl_synth {
    if (resp.status == 200 && req.url == "/proxy-health") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.http.Cache-Control = "no-store";
        set resp.body = "OK";
        return (deliver);
    }
    if (resp.status == 503) {
        set resp.http.Retry-After = "5";
        set resp.http.Cache-Control = "no-store";
        set resp.http.Content-Type = "text/html; charset=utf-8";
        if (req.http.X-Request-Id) {
            set resp.http.X-Request-Id = req.http.X-Request-Id;
        }
        set resp.body = {"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Busy for a moment</title>
<link rel="stylesheet" href="/themes/default/site.css"></head>
<body class="section-none theme-default"><main id="content" class="container">
<section class="error-page status-503"><h1>Busy for a moment</h1>
<p class="message">So many shoppers are here that this page could not be
made just now. Please try again in a few seconds.</p>
<p><a href="/">Back to the store</a></p></section></main></body></html>
"};
        return (deliver);
    }
}
