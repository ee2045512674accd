"""The default media store: files in a local folder, named by their content."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator

from zope.interface import implementer

from emporium.interfaces import IMediaStore

# A name this store makes: 32 hex digits of SHA-256, a dot, a short extension.
NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,5}")
EXTENSION = re.compile(r"[a-z0-9]{1,5}")


def content_name(data: bytes, extension: str) -> str:
    """The name any store gives ``data``: its hash, so equal bytes share it."""
    if not EXTENSION.fullmatch(extension):
        raise ValueError(f"extension {extension!r} is not 1-5 letters or digits")
    return f"{hashlib.sha256(data).hexdigest()[:32]}.{extension}"


@implementer(IMediaStore)
class LocalMediaStore:
    """Files under ``directory``, two levels of fan-out by the name's first
    characters so that no folder grows past a few thousand entries."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(directory)

    def _path(self, name: str) -> str | None:
        if not NAME.fullmatch(name):
            return None
        return os.path.join(self.directory, name[:2], name[2:4], name)

    def put(self, data: bytes, extension: str) -> str:
        name = content_name(data, extension)
        path = self._path(name)
        assert path is not None
        if os.path.exists(path):
            # Kept bytes put again are young again: a sweep of unused files
            # spares them until the record that names them is committed.
            with contextlib.suppress(FileNotFoundError):
                os.utime(path)
                return name
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return name

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        if path is None:
            return None
        try:
            with open(path, "rb") as source:
                return source.read()
        except FileNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        path = self._path(name)
        return path is not None and os.path.exists(path)

    def delete(self, name: str) -> None:
        path = self._path(name)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def names(self, after: str | None = None) -> Iterator[tuple[str, float]]:
        after = after or ""
        # The fan-out folders are a name's first characters: walked in
        # order, they give the names in order, and those before ``after``
        # are skipped a folder at a time.
        for top in _folders(self.directory, lambda n: n >= after[:2]):
            prefix = os.path.basename(top)
            for middle in _folders(top, lambda n, p=prefix: p + n >= after[:4]):
                for entry in sorted(os.scandir(middle), key=lambda e: e.name):
                    # Not a file being written aside (.part-), nor before after.
                    if NAME.fullmatch(entry.name) and entry.name > after:
                        with contextlib.suppress(FileNotFoundError):
                            yield entry.name, entry.stat().st_mtime


def _folders(parent: str, wanted: Callable[[str], bool]) -> list[str]:
    try:
        found = sorted(e.name for e in os.scandir(parent) if e.is_dir())
    except FileNotFoundError:
        return []
    return [os.path.join(parent, name) for name in found if wanted(name)]
