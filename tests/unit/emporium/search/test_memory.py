"""Giving the C library's freed memory back after an index update."""

from __future__ import annotations

import platform

import pytest

from emporium.search.engine import memory, writer
from emporium.search.engine.generations import create_index


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibcs_freed_memory_is_given_back():
    assert memory.release_freed_memory() is True
    assert memory.release_freed_memory() is True  # found once, kept


def test_an_update_gives_freed_memory_back(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(writer, "release_freed_memory", lambda: calls.append(1))
    index = create_index(str(tmp_path), [])
    writer.apply_to_index(index, [], [], [1])
    assert calls == [1]
