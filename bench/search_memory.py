"""A search server's resident memory under a day of index updates, with the
C library's freed memory given back after each update and without.

    .venv/bin/python bench/search_memory.py [--products 800] [--updates 480]

Each update is what a checkout sends a search server (a few products whose
stock changed): a writer opened, the documents replaced, committed, merged.
Both runs replay the same updates and searches on the same index, one
process each, one after the other; prints ``name: value`` lines: the
resident memory after the first tenth of the updates and at the end, for
each, and how much less the one that gives memory back grew.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ("castle", "dragon", "train", "magic", "puzzle", "robot", "pirate", "space")


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def replay(folder: str, updates: int, give_back: bool) -> dict:
    """In this process: the updates and searches, and the memory they left."""
    from emporium.search import indexing
    from emporium.search.conditions import SearchConditions
    from emporium.search.engine import SearchIndex, writer
    from emporium.search.services import index_directory
    from emporium.testing.app import build_database, make_settings

    if not give_back:
        writer.release_freed_memory = lambda: False
    settings = make_settings(
        f"sqlite:///{folder}/store.sqlite",
        **{"emporium.search.index": f"{folder}/index", "here": folder},
    )
    registry = build_database(settings, products=0).registry
    index = SearchIndex(index_directory(registry.settings))
    highest = int(Path(folder, "highest").read_text())
    rng = random.Random(1)
    early = 0.0
    for number in range(updates):
        ids = [rng.randint(1, highest) for _ in range(3)]
        indexing.apply_changes(registry, index, ids)
        for _ in range(5):
            index.search(SearchConditions.from_json({"words": rng.choice(WORDS)}))
        if number == updates // 10:
            early = rss_mib()
    return {"early": early, "end": rss_mib()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=800, help="per section")
    parser.add_argument("--updates", type=int, default=480)
    parser.add_argument("--replay", choices=("with", "without"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        result = replay(args.folder, args.updates, args.replay == "with")
        print(json.dumps(result))
        return

    from sqlalchemy import func, select

    from emporium.search import indexing
    from emporium.search.services import index_directory
    from emporium.testing.app import build_database, make_settings
    from emporium_catalog.models import Product

    with tempfile.TemporaryDirectory(prefix="emporium-bench-") as folder:
        settings = make_settings(
            f"sqlite:///{folder}/store.sqlite",
            **{"emporium.search.index": f"{folder}/index", "here": folder},
        )
        registry = build_database(settings, products=args.products).registry
        indexing.rebuild(registry, index_directory(registry.settings))
        with registry["dbsession_factory"]() as dbsession:
            highest = dbsession.scalar(select(func.max(Product.id)))
        Path(folder, "highest").write_text(str(highest))
        results = {}
        for mode in ("without", "with"):
            done = subprocess.run(
                [sys.executable, __file__, "--replay", mode, "--folder", folder,
                 "--updates", str(args.updates)],
                capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    grew = {m: r["end"] - r["early"] for m, r in results.items()}
    for mode in ("without", "with"):
        print(f"search_memory_{mode}_give_back_early_mib: {results[mode]['early']:.1f}")
        print(f"search_memory_{mode}_give_back_end_mib: {results[mode]['end']:.1f}")
        print(f"search_memory_{mode}_give_back_growth_mib: {grew[mode]:.1f}")
    print(f"search_memory_updates: {args.updates}")
    print(
        "search_memory_end_with_vs_without: "
        f"{results['with']['end'] / results['without']['end']:.2f}"
    )


if __name__ == "__main__":
    main()
