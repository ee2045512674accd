# This site's part of emporium.vcl: where the app servers are (HAProxy's
# "apps" frontend, which spreads requests over them), how they are probed,
# and who may purge. Copy it next to your own settings and put that folder
# first on vcl_path.
#
# The probe asks the balancer itself (its monitor-uri), which answers at
# once: 200 while at least one app server passes its own health check, 503
# when none does. Probing an app server through the balancer would make
# Varnish call every app "sick" whenever they are merely busy, and turn
# every miss into an error while cached pages could still be served.

backend default {
    .host = "127.0.0.1";
    .port = "8090";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = {
        .url = "/apps-health";
        .interval = 2s;
        .timeout = 2s;
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
