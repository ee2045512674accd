"""Two directives for the documentation site, both generated from the code
at build time so the pages cannot drift from it.

``{interfaces} module.name`` lists every ``zope.interface`` interface the
module defines, in source order, with each method's signature and each
attribute, and their docstrings. Sphinx's autodoc cannot: an interface is
an ``InterfaceClass`` instance, not a class (``autoclass`` stops at its
missing ``__mro__``), and its members are not its attributes (zope keeps
them apart, reachable through ``names()`` and ``[name]``).

``{settings-table}`` is the table ``python -m emporium.settings --markdown``
prints: the core's declared settings and every installed plugin's.

``{commands} emporium.cli:main emporium_admin.commands:import_products`` is
each command's ``--help``, as a shell prints it (a group's commands in the
order it lists them).
"""

from __future__ import annotations

import importlib
import inspect

from sphinx.util.docutils import SphinxDirective
from zope.interface.interface import InterfaceClass, Method


def _doc(text: str | None) -> str:
    return inspect.cleandoc(text or "").strip()


def _line(interface: InterfaceClass) -> int:
    try:
        return inspect.getsourcelines(interface)[1]
    except (OSError, TypeError):
        return 0


def interfaces_of(module_name: str) -> list[InterfaceClass]:
    """The interfaces ``module_name`` defines (not those it imports), in the
    order they appear in its source."""
    module = importlib.import_module(module_name)
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, InterfaceClass) and value.__module__ == module_name
    ]
    return sorted(found, key=_line)


def _fence(directive: str, argument: str, body: list[str], ticks: int) -> list[str]:
    fence = "`" * ticks
    return [f"{fence}{{{directive}}} {argument}", *body, fence, ""]


def interface_markdown(interface: InterfaceClass) -> str:
    """MyST Markdown describing one interface: a ``py:class`` entry holding a
    ``py:method`` or ``py:attribute`` entry per member, in source order."""
    members = []
    names = list(interface.names(all=False))
    for name in names:
        member = interface[name]
        doc = _doc(member.getDoc()) or "(No docstring.)"
        if isinstance(member, Method):
            signature = member.getSignatureString()
            members += _fence("py:method", f"{name}{signature}", [doc], 3)
        else:
            members += _fence("py:attribute", name, [doc], 3)
    bases = [
        f"`{base.__module__}.{base.__name__}`"
        for base in interface.__bases__
        if base.__name__ != "Interface"
    ]
    body = [_doc(interface.__doc__) or "(No docstring.)", ""]
    if bases:
        body += ["Extends " + ", ".join(bases) + ".", ""]
    if not names:
        body += ["It declares no members of its own.", ""]
    body += members
    qualified = f"{interface.__module__}.{interface.__name__}"
    return "\n".join(_fence("py:class", qualified, body, 4))


class InterfacesDirective(SphinxDirective):
    """``{interfaces} emporium.cache.interfaces``: the module's interfaces."""

    required_arguments = 1
    has_content = False

    def run(self):
        module_name = self.arguments[0]
        self.env.note_dependency(importlib.import_module(module_name).__file__)
        text = "\n".join(interface_markdown(i) for i in interfaces_of(module_name))
        return self.parse_text_to_nodes(text)


class SettingsTableDirective(SphinxDirective):
    """``{settings-table}``: every declared setting, generated."""

    has_content = False

    def run(self):
        from emporium.settings import CORE
        from emporium.settings.__main__ import markdown, plugin_settings

        return self.parse_text_to_nodes(markdown([*CORE, *plugin_settings()]))


def _resolve(spec: str):
    module_name, _, name = spec.partition(":")
    return getattr(importlib.import_module(module_name), name)


def command_markdown(command, parent) -> str:
    """One command's ``--help`` under its name, as MyST Markdown, then each
    of its sub-commands' when it is a group (``emporium scaffold section``)."""
    ctx = command.make_context(
        command.name, ["--help"], parent=parent, resilient_parsing=True
    )
    with ctx:
        text = command.get_help(ctx)
    parts = [f"**`{ctx.command_path}`**", "", "```text", text, "```", ""]
    for sub in getattr(command, "commands", {}).values():
        parts.append(command_markdown(sub, ctx))
    return "\n".join(parts)


class CommandsDirective(SphinxDirective):
    """``{commands} module:command ...``: each command's help, generated, as
    ``emporium`` shows it (the first is the ``emporium`` group itself)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self):
        import click

        specs = self.arguments[0].split()
        try:
            found = [_resolve(spec) for spec in specs]
        except (ImportError, AttributeError) as error:
            message = f"{' '.join(specs)}: no such command ({error})"
            raise self.error(message) from error
        group, *others = found
        settings = dict(group.context_settings, terminal_width=79)
        parent = click.Context(group, info_name="emporium", **settings)
        commands = [*group.commands.values(), *others]
        parts = [command_markdown(command, parent) for command in commands]
        return self.parse_text_to_nodes("\n".join(parts))


def setup(app):
    app.add_directive("interfaces", InterfacesDirective)
    app.add_directive("settings-table", SettingsTableDirective)
    app.add_directive("commands", CommandsDirective)
    return {"version": "1", "parallel_read_safe": True}
