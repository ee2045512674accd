"""Sphinx configuration of Emporium's documentation site (``make docs``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "Emporium"
copyright = "Emporium's authors"  # noqa: A001 (the name Sphinx reads)

extensions = ["myst_parser", "emporium_docs"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext"]

# "## Some heading" can be linked to as "page.md#some-heading".
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

html_theme = "alabaster"
html_title = "Emporium"
html_show_sourcelink = False
