"""``python -m emporium.settings --markdown``: the settings table of docs/settings.md,
from the core's declarations and those of every installed plugin."""

from __future__ import annotations

import argparse
import sys

from emporium.settings import CORE, Setting, setting_value


def plugin_settings() -> list[Setting]:
    """What each installed plugin declares (its module's ``SETTINGS``), the
    default plugins first, in their order."""
    from emporium.plugins import installed_plugins

    installed = installed_plugins()
    order = setting_value({}, "emporium.plugins")
    names = [n for n in order if n in installed]
    names += sorted(set(installed) - set(names))
    found: list[Setting] = []
    for name in names:
        module = installed[name].load()
        found += [s for s in getattr(module, "SETTINGS", ()) if s not in found]
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(settings: list[Setting]) -> str:
    lines = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for setting in settings:
        if setting.shown is not None:
            default = setting.shown
        elif setting.default is None:
            default = "—"
        elif setting.default == "":
            default = "empty"
        else:
            default = f"`{setting.default}`"
        meaning = setting.meaning
        if setting.environment:
            meaning += f" (`{setting.environment}` overrides)"
        lines.append(f"| `{setting.name}` | {_cell(default)} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emporium.settings")
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the settings table of docs/settings.md",
    )
    args = parser.parse_args(argv)
    if not args.markdown:
        parser.print_help()
        return 2
    sys.stdout.write(markdown([*CORE, *plugin_settings()]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
