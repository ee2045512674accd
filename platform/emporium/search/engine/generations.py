"""Generations of an index on disk, and the swap that makes a rebuilt one
live (see ``emporium.search.engine``)."""

from __future__ import annotations

import json
import os
import shutil
import time

import tantivy

from emporium.search.engine.documents import build_schema, register

CURRENT = "current"
META = "emporium.json"
FORMAT = 1
KEEP_GENERATIONS = 2


class IndexDirectory:
    """The generations of an index under one directory, and the swap."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    @property
    def link(self) -> str:
        return os.path.join(self.path, CURRENT)

    def live(self) -> str | None:
        """The live generation's folder, or None when none was built."""
        try:
            target = os.readlink(self.link)
        except OSError:
            return None
        return os.path.join(self.path, target)

    def new_generation(self) -> str:
        os.makedirs(self.path, exist_ok=True)
        # Nanoseconds since the epoch: names sort in the order they were made.
        name = f"gen-{time.time_ns():020d}"
        folder = os.path.join(self.path, name)
        os.makedirs(folder)
        return folder

    def swap(self, folder: str) -> None:
        """Make ``folder`` the live generation in one rename(2)."""
        temporary = os.path.join(self.path, f".{CURRENT}-{os.getpid()}")
        if os.path.lexists(temporary):
            os.unlink(temporary)
        os.symlink(os.path.basename(folder), temporary)
        os.replace(temporary, self.link)
        self.prune()

    def prune(self) -> None:
        """Remove generations older than the live one and the previous few:
        replicas have long moved on to the live one by then."""
        live = self.live()
        generations = sorted(e for e in os.listdir(self.path) if e.startswith("gen-"))
        if live is None:
            return
        live_name = os.path.basename(live)
        older = [g for g in generations if g < live_name]
        for name in older[: max(0, len(older) - (KEEP_GENERATIONS - 1))]:
            shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)


def read_meta(folder: str) -> dict:
    with open(os.path.join(folder, META), encoding="utf-8") as handle:
        return json.load(handle)


def write_meta(folder: str, meta: dict) -> None:
    temporary = os.path.join(folder, META + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(meta, handle)
    os.replace(temporary, os.path.join(folder, META))


def create_index(folder: str, facets: list[str]) -> tantivy.Index:
    index = register(tantivy.Index(build_schema(facets), path=folder, reuse=False))
    write_meta(folder, {"format": FORMAT, "facets": facets})
    return index
