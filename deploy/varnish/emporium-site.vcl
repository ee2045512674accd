# This site's part of emporium.vcl: where the app servers are (HAProxy's
# "apps" frontend, which spreads requests over them), how they are probed,
# and who may purge. Copy it next to your own settings and put that folder
# first on vcl_path.

backend default {
    .host = "127.0.0.1";
    .port = "8090";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = {
        .url = "/health";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# App servers and the admin hosts: they send PURGE and BAN.
acl purgers {
    "127.0.0.1";
    "::1";
}
