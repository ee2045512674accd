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
import functools


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None under another C library."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is not None:
        trim.argtypes = (ctypes.c_size_t,)
        trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return the C library's free pages to the system; False where there
    is no ``malloc_trim`` (a C library other than glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
