import os

import pytest

from emporium.media.local import LocalMediaStore, content_name
from tests.unit.emporium.media.conformance import MediaStoreConformance


class TestLocalMediaStore(MediaStoreConformance):
    @pytest.fixture
    def store(self, tmp_path):
        return LocalMediaStore(str(tmp_path / "media"))


def test_files_fan_out_by_name_and_leave_no_partial_file(tmp_path):
    store = LocalMediaStore(str(tmp_path))
    name = store.put(b"bytes", "jpg")
    folder = tmp_path / name[:2] / name[2:4]
    assert os.listdir(folder) == [name]


def test_an_extension_that_is_not_a_short_word_is_refused(tmp_path):
    with pytest.raises(ValueError, match="extension"):
        LocalMediaStore(str(tmp_path)).put(b"x", "../x")
    with pytest.raises(ValueError, match="extension"):
        content_name(b"x", "JPG")


def test_kept_bytes_put_again_are_young_again(tmp_path):
    store = LocalMediaStore(str(tmp_path))
    name = store.put(b"bytes", "jpg")
    path = tmp_path / name[:2] / name[2:4] / name
    os.utime(path, (1_000_000, 1_000_000))
    assert dict(store.names())[name] == 1_000_000
    assert store.put(b"bytes", "jpg") == name
    assert dict(store.names())[name] > 1_000_000
