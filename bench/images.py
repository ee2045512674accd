"""Upload of a 12-megapixel JPEG to every derivative, as the admin does it.

    .venv/bin/python bench/images.py [--runs 5]

Prints ``name: value`` lines: the best and median seconds from the upload's
bytes to all twelve derivatives kept in a local media store (the target is
under 2 s on the project's 2-core machine), the CPU time of the best (which
other work on the machine does not inflate), the machine's load average,
and the photo's size.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time

from PIL import Image, ImageDraw, ImageFilter

from emporium.media.images import Limits, check, derivatives
from emporium.media.local import LocalMediaStore


def photo(width: int = 4000, height: int = 3000) -> bytes:
    """A camera-like JPEG: gradients, shapes and grain, so it compresses as
    a photograph does rather than as a flat colour."""
    image = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 523) % width, (i * 311) % height
        colour = ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
        draw.ellipse((x, y, x + 400 + i * 7, y + 300 + i * 5), fill=colour)
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, grain, 0.25).filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(data: bytes, store: LocalMediaStore) -> int:
    made = derivatives(check(data, "camera.jpg", Limits()))
    for derivative in made:
        store.put(derivative.data, derivative.extension)
    return len(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    data = photo()
    timings, cpu = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            store = LocalMediaStore(folder)
            started, cpu_started = time.perf_counter(), time.process_time()
            count = upload(data, store)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    print(f"photo_megapixels: {4000 * 3000 / 1e6:.1f}")
    print(f"photo_bytes: {len(data)}")
    print(f"derivatives: {count}")
    print(f"upload_to_derivatives_best_s: {min(timings):.3f}")
    print(f"upload_to_derivatives_median_s: {statistics.median(timings):.3f}")
    print(f"upload_to_derivatives_cpu_best_s: {min(cpu):.3f}")
    print(f"load_average_1min: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
