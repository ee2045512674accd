"""axe-core in the page: the WCAG 2.0/2.1 A and AA rules, and the few
best-practice rules our pages promise as well.

axe-core comes from npm, pinned, installed once under ``var/axe/`` (outside
git). It reaches the page through Playwright's ``page.evaluate``, which runs
the source over the DevTools protocol (``Runtime.evaluate``): the page's
Content-Security-Policy governs the page's own scripts, not the debugger's,
so the store's CSP stays exactly as production sends it (no ``bypass_csp``,
no ``<script>`` tag, which ``script-src 'self'`` would refuse).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache

from tests.conftest import ROOT
from tests.services import ensure_debian_packages, unavailable

AXE_VERSION = "4.14.1"
AXE_PREFIX = ROOT / "var" / "axe"
AXE_SOURCE = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Not WCAG success criteria on their own, but what a keyboard or screen
# reader user meets first: a skip link that works, headings in order,
# landmarks told apart, no empty table header.
BEST_PRACTICE_RULES = [
    "skip-link",
    "heading-order",
    "landmark-unique",
    "landmark-one-main",
    "page-has-heading-one",
    "empty-table-header",
    "region",
]

RUN = """async ([tags, extra]) => {
  const rules = axe.getRules(tags).map((rule) => rule.ruleId).concat(extra);
  const result = await axe.run(document, {
    runOnly: {type: "rule", values: rules},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      summary: n.failureSummary,
    })),
  }));
}"""


def _installed_version() -> str | None:
    package = AXE_PREFIX / "node_modules" / "axe-core" / "package.json"
    if not package.exists():
        return None
    return json.loads(package.read_text()).get("version")


@cache
def axe_source() -> str:
    """The pinned axe-core, installed with npm when missing."""
    if _installed_version() != AXE_VERSION:
        npm = shutil.which("npm") or ensure_debian_packages(["npm"], "npm")
        AXE_PREFIX.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(AXE_PREFIX),
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    f"axe-core@{AXE_VERSION}",
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            unavailable(f"could not install axe-core {AXE_VERSION} with npm: {exc}")
    if _installed_version() != AXE_VERSION:
        unavailable(f"axe-core {AXE_VERSION} is missing under {AXE_PREFIX}")
    return AXE_SOURCE.read_text()


def audit(page) -> list[dict]:
    """The violations axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN, [WCAG_TAGS, BEST_PRACTICE_RULES])


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}, "
            f"{len(violation['nodes'])} nodes"
        )
        for node in violation["nodes"][:3]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)
