"""The ``images`` column of a CSV import: photo files in the folder of the
CSV file (or a folder inside it), named ``file=alt text`` and separated by
``|``, as in ``photos/top.jpg=A red spinning top|photos/side.jpg=Its side``.

Each file is checked as an upload is (format, bytes, pixels) and made into
its derivatives while the file is validated, so a missing or bad file is an
error of its row, naming the line, the field and the file, before anything
is written; the import then saves each product's photos in the product's own
transaction. A cell that is empty keeps the product's photos; one that names
files replaces them.
"""

from __future__ import annotations

import os

from emporium.media.images import ImageRejected
from emporium_catalog.interfaces import IProductPhotos

COLUMN = "images"
SEPARATOR = "|"
MAX_PHOTOS = 20


class PhotoFolder:
    """The files an import's ``images`` column may name, each read and
    prepared once however many rows name it."""

    def __init__(self, registry, folder: str, max_bytes: int) -> None:
        self.folder = os.path.abspath(folder)
        self.photos = registry.getUtility(IProductPhotos)
        self.max_bytes = max_bytes
        self._prepared: dict[str, dict | ImageRejected] = {}

    def parse(self, cell: str) -> list[tuple[str, str, dict]]:
        """The photos of ``cell`` as ``(filename, alt, sources)``, in order;
        ``ValueError`` names the file at fault."""
        photos = []
        entries = [e.strip() for e in cell.split(SEPARATOR) if e.strip()]
        if len(entries) > MAX_PHOTOS:
            raise ValueError(f"names {len(entries)} files; at most {MAX_PHOTOS}")
        for entry in entries:
            name, _, alt = (part.strip() for part in entry.partition("="))
            if not alt:
                raise ValueError(
                    f"{name}: alt text is required, as {name}=what the photo shows"
                )
            photos.append((os.path.basename(name), alt, self._sources(name)))
        return photos

    def _sources(self, name: str) -> dict:
        # Checked by its spelling: no way up or out (a folder the operator
        # linked in is theirs to give).
        path = os.path.normpath(os.path.join(self.folder, name))
        if not path.startswith(self.folder + os.sep):
            raise ValueError(f"{name}: is not in the folder of the CSV file")
        if path not in self._prepared:
            self._prepared[path] = self._prepare(name, path)
        found = self._prepared[path]
        if isinstance(found, ImageRejected):
            raise ValueError(str(found))
        return found

    def _prepare(self, name: str, path: str) -> dict | ImageRejected:
        try:
            size = os.path.getsize(path)
            if not os.path.isfile(path):
                raise FileNotFoundError(path)
        except OSError:
            raise ValueError(f"{name}: no such file beside the CSV file") from None
        if size > self.max_bytes:
            return ImageRejected(name, f"is larger than {self.max_bytes} bytes")
        with open(path, "rb") as source:
            data = source.read()
        try:
            return self.photos.prepare(name, data)
        except ImageRejected as exc:
            return exc
