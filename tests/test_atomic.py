"""wakeword.atomic: every cache, bundle and signature is written whole or not at all."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from wakeword.atomic import write_atomically, write_bytes_atomically


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "model.tflite"
    write_bytes_atomically(target, b"old bytes")

    def broken(fh):
        fh.write(b"half of the new")
        raise OSError("disk full")

    for durable in (False, True):
        with pytest.raises(OSError, match="disk full"):
            write_atomically(target, broken, durable=durable)
        assert target.read_bytes() == b"old bytes"
        assert [p.name for p in tmp_path.iterdir()] == ["model.tflite"]


def test_concurrent_writers_of_one_file_each_write_it_whole(tmp_path):
    target = tmp_path / "cache.bin"
    payloads = [bytes([i]) * (50_000 + 1000 * i) for i in range(8)]

    def write(i: int) -> None:
        for _ in range(10):
            assert write_bytes_atomically(target, payloads[i], durable=i % 2 == 0) == target

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]


def test_files_get_the_mode_open_would_give_them(tmp_path):
    import os

    umask = os.umask(0o022)
    os.umask(umask)
    path = write_bytes_atomically(tmp_path / "alexa.wwb", b"bundle")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    (tmp_path / "plain").write_bytes(b"x")
    assert path.stat().st_mode & 0o777 == (tmp_path / "plain").stat().st_mode & 0o777


def test_a_missing_folder_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_bytes_atomically(tmp_path / "absent" / "x.bin", b"x")
    assert list(tmp_path.iterdir()) == []
