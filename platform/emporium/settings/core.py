"""The core's settings, in the order docs/settings.md's table lists them."""

from __future__ import annotations

from emporium.settings import (
    AutoBoolean,
    Boolean,
    Choice,
    Integer,
    Networks,
    Number,
    Rate,
    Setting,
    Text,
    TimeZone,
    Words,
    declare,
)

TEXT, WORDS, FLAG = Text(), Words(), Boolean()
COUNT = Integer(0)  # zero or more
SECONDS = Number(0)

CORE = declare(
    Setting("sqlalchemy.url", TEXT, None, "database URL", "EMPORIUM_DATABASE_URL"),
    Setting(
        "emporium.plugins",
        WORDS,
        "catalog bookstore videogames cart admin",
        "plugins to load, in order",
        "EMPORIUM_PLUGINS",
    ),
    Setting("emporium.site_title", TEXT, "Emporium", "the store's name in pages"),
    Setting(
        "emporium.timezone",
        TimeZone(),
        "UTC",
        "the store's time zone: merchandisers enter and read dates in it"
        " (they are stored in UTC)",
    ),
    Setting(
        "emporium.themes.directories",
        WORDS,
        None,
        "folders (or asset specs such as `emporium:builtin_themes`) holding"
        " themes, searched in order",
        shown="`<here>/themes` when it exists, then Emporium's own themes",
    ),
    Setting(
        "emporium.themes.default",
        TEXT,
        "default",
        "the theme every host falls back to",
    ),
    Setting(
        "emporium.themes.hosts", TEXT, "", "`host = theme` lines: co-branded sites"
    ),
    Setting(
        "emporium.catalog.page_size",
        Integer(1),
        "24",
        "products per category page (`?per_page=` 1–100 overrides)",
    ),
    Setting(
        "emporium.search.index",
        TEXT,
        "",
        "the search index's folder of generations",
        shown="beside a SQLite database (`<file>.search`), else `<here>/var/search`",
    ),
    Setting(
        "emporium.media.store",
        TEXT,
        "emporium.media.local_store",
        "dotted name of the `IMediaStore` factory (called with the settings)",
    ),
    Setting(
        "emporium.media.directory",
        TEXT,
        "",
        "the local media store's folder (uploaded photos and their sizes)",
        shown="`<here>/var/media`",
    ),
    Setting(
        "emporium.media.max_bytes",
        Integer(1),
        "20971520",
        "largest photo upload in bytes; a larger request is a 413",
    ),
    Setting(
        "emporium.media.max_pixels",
        Integer(1),
        "50000000",
        "most pixels a photo may have (checked from its header, before decoding)",
    ),
    Setting(
        "emporium.media.sweep_after",
        Integer(0),
        "86400",
        "seconds a media file no record names is kept before `emporium sweep`"
        " removes it (an upload or import not yet committed names none)",
    ),
    Setting(
        "emporium.search.servers",
        WORDS,
        "",
        "search servers' base URLs (`http://127.0.0.1:7001 ...`);"
        " empty: the index in-process",
    ),
    Setting(
        "emporium.search.timeout",
        Number(0, 60, open_low=True),
        "1.0",
        "seconds the app waits for a search server before asking the next",
    ),
    Setting(
        "emporium.search.counts_cache",
        COUNT,
        "4096",
        "searches whose totals and facet counts a search process keeps, reused"
        " when only the sort or the page changes (0: none)",
    ),
    Setting(
        "emporium.search.port",
        Integer(1),
        "7001",
        "the port of `emporium search-server` without `--port`",
    ),
    Setting(
        "emporium.environment",
        Choice("development", "production"),
        "development",
        "`production` turns on the start-up checks of secrets and debug features",
    ),
    Setting(
        "emporium.session.secret",
        WORDS,
        None,
        "session-id MAC keys, space-separated, the first signs",
        "EMPORIUM_SESSION_SECRET",
        shown="— (required)",
    ),
    Setting(
        "emporium.session.cookie_name",
        TEXT,
        "emporium_session",
        "the session cookie",
    ),
    Setting(
        "emporium.session.idle_timeout",
        Integer(1),
        "1209600",
        "seconds without a request before a session ends",
        shown="`1209600` (14 days)",
    ),
    Setting(
        "emporium.session.absolute_timeout",
        Integer(1),
        "2592000",
        "seconds after which a session ends regardless",
        shown="`2592000` (30 days)",
    ),
    Setting(
        "emporium.session.secure",
        AutoBoolean(),
        "auto",
        "`Secure` cookies: `auto` behind TLS, or `true`/`false`",
    ),
    Setting(
        "emporium.tokens.secret",
        WORDS,
        None,
        "Fernet keys for sealed tokens, the first encrypts",
        "EMPORIUM_TOKENS_SECRET",
        shown="derived from the session keys",
    ),
    Setting(
        "emporium.passwords.time_cost",
        Integer(1),
        "3",
        "Argon2id iterations",
    ),
    Setting(
        "emporium.passwords.memory_cost",
        Integer(8),
        "65536",
        "Argon2id memory in KiB",
    ),
    Setting(
        "emporium.metrics.dir",
        TEXT,
        "",
        "the folder where one app server's workers sum their counters for"
        " `/metrics`, one per app server",
        "EMPORIUM_METRICS_DIR",
        shown="empty (`production.ini`: `<here>/var/metrics`)",
    ),
    Setting(
        "emporium.metrics.allow",
        Networks(),
        "127.0.0.0/8 ::1",
        "addresses or networks a `/metrics` scraper may ask from",
    ),
    Setting("emporium.throttle.enabled", FLAG, "true", "throttling on or off"),
    Setting(
        "emporium.throttle.storage",
        TEXT,
        "memory://",
        "the counters: `memory://` (per process: a production start-up warns of"
        " it) or `redis://host:port/db`, shared; a URI that cannot be used stops"
        " start-up, naming the setting",
        "EMPORIUM_THROTTLE_STORAGE",
    ),
    *(
        Setting(
            f"emporium.throttle.{name}",
            Rate(),
            rate,
            f"{what}, per session (else per address)",
        )
        for name, rate, what in (
            ("pages", "300/minute", "page views"),
            ("search", "120/minute", "searches"),
            ("cart", "60/minute", "cart changes and other posts"),
            ("checkout", "10/minute", "checkouts"),
            ("login", "10/minute", "logins"),
            ("api", "300/minute", "API requests"),
            ("admin", "600/minute", "admin console requests"),
        )
    ),
    Setting(
        "emporium.throttle.address_factor",
        Integer(1),
        "20",
        "the per-address ceiling as a multiple of the per-session limit",
    ),
    *(
        Setting(
            f"emporium.throttle.{name}.burst",
            Rate(),
            rate,
            f"{what} in a burst, per session (else per address): the short"
            f" window beside the per-minute one",
        )
        for name, rate, what in (
            ("pages", "10/second", "page views"),
            ("search", "4/second", "searches"),
            ("cart", "5/second", "cart changes and other posts"),
            ("checkout", "2/second", "checkouts"),
            ("login", "3/second", "logins"),
            ("api", "20/second", "API requests"),
            ("admin", "20/second", "admin console requests"),
        )
    ),
    Setting(
        "emporium.throttle.burst_address_factor",
        Integer(1),
        "10",
        "the per-address burst ceiling as a multiple of the per-session burst"
        " limit: shoppers sharing an address browse at human rates below it,"
        " one script (with a cookie or without) meets it within a second",
    ),
    Setting(
        "emporium.throttle.login_failures",
        Rate(),
        "5/15minutes",
        "failed logins per account and per address",
    ),
    Setting(
        "emporium.trusted_proxies",
        Networks(),
        "",
        "addresses or networks whose `X-Forwarded-*` headers are believed",
    ),
    Setting(
        "emporium.security.csp",
        TEXT,
        None,
        "the Content-Security-Policy",
        shown="see `security/headers.py`",
    ),
    Setting(
        "emporium.max_body_bytes",
        Integer(1),
        "65536",
        "largest request body; larger is a 413 before anything reads it",
    ),
    Setting(
        "emporium.api.validate_responses",
        FLAG,
        None,
        "check every API response against the description (it costs more than"
        " the view itself: keep it for development and tests)",
        shown="`true`, `false` when `emporium.environment = production`",
    ),
    Setting(
        "emporium.api.strict_responses",
        FLAG,
        "false",
        "answer 500 when an API response breaks the description (on in development)",
    ),
    Setting(
        "pyramid.reload_templates",
        FLAG,
        "false",
        "re-read templates when they change (on in development)",
    ),
    Setting(
        "emporium.database.connect_timeout",
        Integer(2),
        "3",
        "seconds a new PostgreSQL connection may take before the request gets a 503",
    ),
    Setting(
        "emporium.database.answer_timeout",
        SECONDS,
        "8",
        "seconds a request waits for PostgreSQL to answer one step (a query, a"
        " commit) before its connection is closed and it gets a 503 (0: no limit)",
    ),
    Setting(
        "retry.attempts",
        Integer(1),
        "3",
        "attempts for a request that hits a transient database error",
    ),
    Setting(
        "cache.tiers",
        WORDS,
        "memory local",
        "the object cache's tiers, in order: `memory`, `local` (the host's store),"
        " `redis`",
    ),
    Setting("cache.memory.backend", TEXT, "emporium.memory", "tier 1"),
    Setting(
        "cache.memory.arguments.max_items",
        COUNT,
        "50000",
        "entries kept per process; the least recently used go first",
    ),
    Setting(
        "cache.local.backend",
        TEXT,
        "emporium.lmdb",
        "tier 2: `emporium.lmdb`, or `emporium.sqlite` (SQLite in WAL mode,"
        " measured, not recommended)",
    ),
    Setting(
        "cache.local.arguments.path",
        TEXT,
        "%(here)s/var/cache/objects",
        "the host's store (a folder for LMDB, a file for SQLite); tmpfs"
        " (`/run/...`) in production",
        shown="`<here>/var/cache/objects`",
    ),
    Setting(
        "cache.local.arguments.map_size",
        Integer(1),
        "1073741824",
        "LMDB's size in bytes; a full store is emptied and filled again",
    ),
    Setting(
        "cache.local.arguments.max_readers",
        Integer(1),
        "1024",
        "LMDB reader slots: threads of all processes of the host reading at once",
    ),
    Setting("cache.redis.backend", TEXT, "emporium.redis", "tier 3"),
    Setting(
        "cache.redis.arguments.url",
        TEXT,
        None,
        "Redis of the cluster (required when `redis` is in `cache.tiers`)",
    ),
    Setting(
        "cache.redis.arguments.prefix",
        TEXT,
        "emporium:",
        "namespace of every key in Redis",
    ),
    Setting(
        "cache.redis.arguments.socket_timeout",
        Number(0, open_low=True),
        "0.25",
        "seconds before a Redis read counts as a miss",
    ),
    Setting(
        "cache.redis.arguments.retry_after",
        SECONDS,
        "5",
        "seconds Redis is skipped after it failed",
    ),
    Setting(
        "cache.invalidation.url",
        TEXT,
        None,
        "Redis whose channel carries invalidations; none: in-process only",
        shown="the `redis` tier's URL",
    ),
    Setting(
        "cache.invalidation.channel",
        TEXT,
        "emporium:invalidate",
        "that channel",
    ),
    Setting(
        "cache.invalidation.repeat_after",
        SECONDS,
        "1.0",
        "seconds after which each invalidation is done again (0: never)",
    ),
    Setting(
        "cache.ttl.<partition>",
        SECONDS,
        None,
        "seconds a partition's values live (`missing`: a product that does not exist)",
        shown="`core` 3600, `pricing` 300, `inventory` 30, `images` 3600,"
        " `category` 3600, `listing` 60, `missing` 30, `default` 300; a section's"
        " partitions as it declares them",
    ),
    Setting(
        "cache.render.max_items",
        COUNT,
        "2000",
        "rendered pages kept per process (0: none; always none while templates reload)",
    ),
    Setting(
        "emporium.pagecache.max_age",
        COUNT,
        "10",
        "the browser's `max-age` on cacheable pages (never more than the page's TTL)",
    ),
    Setting(
        "emporium.pagecache.max_key_bytes",
        Integer(1),
        "2048",
        "longest `xkey` header before products collapse to their categories' keys",
    ),
    Setting(
        "emporium.purge.proxies",
        WORDS,
        "",
        "Varnish base URLs (`http://127.0.0.1:6081 ...`) to purge; empty: purges"
        " are recorded and logged",
    ),
    Setting(
        "emporium.purge.hosts",
        WORDS,
        "",
        "hosts a path is purged for (`www.example.com partner.example.com`);"
        " empty: the proxy's address",
    ),
    Setting(
        "emporium.purge.attempts",
        Integer(1),
        "3",
        "tries per proxy before a purge is logged as failed",
    ),
    Setting(
        "emporium.purge.timeout",
        Number(0, open_low=True),
        "2.0",
        "seconds per purge request",
    ),
    Setting(
        "emporium.purge.repeat_after",
        Number(0, 60),
        "1.0",
        "seconds after which each purge is sent once more (another app server may"
        " have put the old page back before it heard of the change); 0: never",
    ),
)
