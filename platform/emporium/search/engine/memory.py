"""Giving the C library's freed memory back to the system.

An index update opens a writer, whose threads allocate its heap and the
segments a merge writes, then free them. glibc keeps what was freed in its
arenas for the next allocation; spread over the writer's threads it is
rarely reused, and a search server's resident memory climbs a step with
every large merge, as if it leaked (``bench/search_memory.py`` measures it
side by side). ``malloc_trim`` returns those free pages after each update.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_trim = None
_looked = False


def release_freed_memory() -> bool:
    """Return the C library's free pages to the system; False where there
    is no ``malloc_trim`` (a C library other than glibc)."""
    global _trim, _looked
    if not _looked:
        _looked = True
        name = ctypes.util.find_library("c")
        try:
            _trim = ctypes.CDLL(name).malloc_trim if name else None
        except (OSError, AttributeError):
            _trim = None
        if _trim is not None:
            _trim.argtypes = (ctypes.c_size_t,)
            _trim.restype = ctypes.c_int
    if _trim is None:
        return False
    _trim(0)
    return True
