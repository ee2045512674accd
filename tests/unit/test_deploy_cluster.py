"""deploy/cluster.py's housekeeping, without starting a cluster: the .ini it
writes at every start keeps an operator's settings, its logs are cut, and
Varnish and HAProxy get the files the cluster writes for them."""

from __future__ import annotations

import configparser
import importlib.util

import pytest

from tests.conftest import ROOT


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "emporium_cluster_script", ROOT / "deploy" / "cluster.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    return module


def app_settings(path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return dict(parser["app:main"])


def test_cluster_ini_is_written_anew_with_local_ini_on_top(cluster, tmp_path):
    (tmp_path / "local.ini").write_text(
        "[app:main]\n"
        "emporium.throttle.storage = memory://\n"
        "emporium.site_name = Operator's Own\n"
    )
    ini = cluster.write_ini()
    text = ini.read_text()
    assert text.startswith("# Written by deploy/cluster.py at every start")
    assert str(tmp_path / "local.ini") in text.splitlines()[1]
    settings = app_settings(ini)
    # The operator's line wins over the cluster's own address for it...
    assert settings["emporium.throttle.storage"] == "memory://"
    # ...a setting of their own is added, and the cluster's others stay.
    assert settings["emporium.site_name"] == "Operator's Own"
    assert settings["cache.redis.arguments.url"] == "redis://127.0.0.1:6380/0"

    # Written anew: an edit to cluster.ini itself does not survive a start.
    ini.write_text(text.replace("Operator's Own", "edited in place"))
    assert app_settings(cluster.write_ini())["emporium.site_name"] == "Operator's Own"


def test_a_log_past_its_limit_is_cut_and_writing_goes_on(
    cluster, tmp_path, monkeypatch
):
    monkeypatch.setattr(cluster, "LOG_LIMIT", 1000)
    logs = tmp_path / "logs"
    logs.mkdir()
    small = logs / "redis.log"
    small.write_text("short\n")
    big = logs / "haproxy.log"
    # The servers hold their logs open for appending, as cluster.py opens them.
    with big.open("ab") as server:
        server.write(b"x" * 1500 + b"\n")
        server.flush()
        cluster.Cluster().rotate_logs()
        server.write(b"after the cut\n")
    assert (logs / "haproxy.log.1").read_bytes() == b"x" * 1500 + b"\n"
    assert big.read_bytes() == b"after the cut\n"
    assert small.read_text() == "short\n"
    assert not (logs / "redis.log.1").exists()


def test_varnish_gets_the_site_vcl_with_this_clusters_balancer(cluster, monkeypatch):
    monkeypatch.setattr(cluster, "APPS", 9090)
    folder = cluster.site_vcl()
    text = (folder / "emporium-site.vcl").read_text()
    shipped = (ROOT / "deploy" / "varnish" / "emporium-site.vcl").read_text()
    assert '.port = "9090";' in text and '.port = "8090";' in shipped
    assert text.replace("9090", "8090") == shipped


def test_haproxy_reads_the_runtime_api_socket_from_its_drop_in_folder(cluster):
    folder = cluster.haproxy_runtime()
    text = (folder / "00-cluster.cfg").read_text()
    assert f"stats socket {cluster.HERE / 'haproxy.sock'}" in text
    assert "level admin expose-fd listeners" in text
