# Emporium's proxy tier (Varnish 7.1, the xkey and digest vmods).
#
# - Caches what the app marks cacheable (Cache-Control public with
#   s-maxage or max-age) and nothing else; passes every unsafe method and
#   every user-specific page (private, no-store, Set-Cookie).
# - The cache key is the URL (tracking parameters stripped) and the host;
#   never a cookie.
# - Static assets are kept a day.
# - Grace: a stale page is served while it is refetched, and for hours when
#   the /health probe says the app servers are down.
# - PURGE of one URL, PURGE with "xkey-purge: <keys>" (surrogate keys the app
#   sends in "xkey") and BAN with "x-ban-prefix", from the "purgers" ACL only.
# - A first-time visitor gets a session cookie here, even on a hit:
#   <id>.<hex HMAC-SHA256 of id>, under the first key of
#   EMPORIUM_SESSION_SECRET (the app's own setting, read from varnishd's
#   environment, so the key is in no file): the app verifies and adopts it.
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
    # Our own markers are never taken from a client.
    unset req.http.x-emporium-cookie;
    unset req.http.x-cache;
    # A request id (the edge's) is passed on only when well formed.
    if (req.http.X-Request-Id && req.http.X-Request-Id !~ "^[A-Za-z0-9._-]{8,64}$") {
        unset req.http.X-Request-Id;
    }

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
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

    call emporium_session_cookie;

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
    # few seconds its refetch takes; when they are down, for the object's
    # whole grace.
    if (std.healthy(req.backend_hint)) {
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
    set req.http.x-cache = "MISS";
}

sub vcl_pass {
    set req.http.x-cache = "PASS";
}

sub vcl_backend_fetch {
    # Our marker is for the shopper, the Cookie header carries it to the app.
    unset bereq.http.x-emporium-cookie;
    unset bereq.http.x-cache;
}

sub vcl_backend_response {
    # For bans by prefix (lurker-friendly: only obj.http.* is tested).
    set beresp.http.x-url = bereq.url;
    # What runs behind us is nobody's business.
    unset beresp.http.Server;

    if (bereq.url ~ "^/(static/|themes/|images/|favicon\.ico)") {
        if (beresp.status == 200) {
            unset beresp.http.Set-Cookie;
            unset beresp.http.X-Request-Id;  # see below
            set beresp.ttl = 1d;
            set beresp.grace = 1d;
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

sub vcl_deliver {
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
        # The app's attributes: 30 days, HttpOnly, SameSite=Lax, Secure on TLS.
        if (req.http.X-Forwarded-Proto ~ "(?i)^https") {
            header.append(resp.http.Set-Cookie, "emporium_session="
                + req.http.x-emporium-cookie
                + "; Max-Age=2592000; Path=/; Secure; HttpOnly; SameSite=Lax");
        } else {
            header.append(resp.http.Set-Cookie, "emporium_session="
                + req.http.x-emporium-cookie
                + "; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax");
        }
    }
}
