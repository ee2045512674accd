"""The systemd units in deploy/systemd: systemd itself reads them without a
complaint, and every ``emporium`` command line they run is one the command
accepts (so a renamed option breaks this test, not a production host)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from emporium.cli import main
from tests.conftest import ROOT
from tests.services import ensure_debian_packages

UNITS = ROOT / "deploy" / "systemd"
INSTANCE = "7101"
CHECKOUT = "/opt/emporium/"
VENV_BIN = CHECKOUT + ".venv/bin/"


def unit_files() -> list[Path]:
    return sorted(p for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


def exec_starts(path: Path) -> list[list[str]]:
    lines = path.read_text().splitlines()
    commands = [line[10:] for line in lines if line.startswith("ExecStart=")]
    return [shlex.split(c.replace("%i", INSTANCE)) for c in commands if c]


def test_there_are_units_for_every_long_running_part():
    names = {p.name for p in unit_files()}
    assert {
        "emporium-app@.service",
        "emporium-search@.service",
        "emporium-sweep.service",
        "emporium-sweep.timer",
    } <= names


def test_systemd_reads_every_unit_without_a_complaint(tmp_path):
    analyze = ensure_debian_packages(["systemd"], "/usr/bin/systemd-analyze")
    bin_dir = str(Path(sys.executable).parent) + "/"
    checked = []
    for unit in unit_files():
        # The checkout's own paths stand in for /opt/emporium.
        text = unit.read_text().replace(VENV_BIN, bin_dir).replace(CHECKOUT, f"{ROOT}/")
        name = unit.name.replace("@.", f"@{INSTANCE}.")
        (tmp_path / name).write_text(text)
        checked.append(f"./{name}")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *checked],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


@pytest.mark.parametrize("unit", unit_files(), ids=lambda p: p.name)
def test_each_emporium_command_line_is_accepted(unit):
    for argv in exec_starts(unit):
        program = Path(argv[0]).name
        if program == "emporium":
            command = main.commands[argv[1]]
            # Parsing checks every option and argument; nothing runs.
            context = command.make_context(argv[1], argv[2:])
            assert context.params["ini"] == CHECKOUT + "production.ini"
        elif program == "gunicorn":
            config = argv[argv.index("--config") + 1]
            assert (ROOT / config.removeprefix(CHECKOUT)).is_file()
            assert argv[argv.index("--paste") + 1] == CHECKOUT + "production.ini"


def test_the_varnish_drop_in_runs_the_shipped_vcl():
    drop_in = UNITS / "varnish.service.d" / "emporium.conf"
    (argv,) = exec_starts(drop_in)
    vcl = Path(argv[argv.index("-f") + 1]).name
    assert (ROOT / "deploy" / "varnish" / vcl).is_file()
    assert any(a.startswith("vcl_path=") for a in argv)
    assert "EnvironmentFile=" in drop_in.read_text()  # the session key
