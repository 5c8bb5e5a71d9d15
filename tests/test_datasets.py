"""Dataset recipes, offline fetching from a mirror, split manifests and the recorder."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from wakeword_datasets import RECIPES, Recipe, RemoteFile, fetch, get_recipe, read_manifest, split_files, write_manifest
from wakeword_datasets.__main__ import main
from wakeword_datasets.record import FileSource, next_index, record_takes
from wakeword_datasets.split import assign_split, speaker_from_name
from wakeword.errors import AudioError, ConfigError

SR = 16000


def _flac_bytes(seconds: float = 0.1, *, freq: float = 440.0) -> bytes:
    buffer = io.BytesIO()
    t = np.arange(int(seconds * SR)) / SR
    sf.write(buffer, (0.1 * np.sin(2 * np.pi * freq * t)).astype(np.float32), SR, format="FLAC")
    return buffer.getvalue()


def _make_tar(path: Path, members: dict[str, bytes]) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fake_librispeech(mirror: Path) -> Recipe:
    """A tiny archive shaped like LibriSpeech test-clean, and a recipe pinning its checksum."""
    mirror.mkdir(parents=True, exist_ok=True)
    members = {f"LibriSpeech/test-clean/{spk}/10/{spk}-10-000{i}.flac": _flac_bytes() for spk in (11, 22) for i in
               range(2)}
    members["LibriSpeech/SPEAKERS.TXT"] = b"11 | F | test-clean | 0.1 | Someone\n"
    sha = _make_tar(mirror / "test-clean.tar.gz", members)
    base = get_recipe("librispeech-test-clean")
    remote = RemoteFile(url=base.files[0].url, filename="test-clean.tar.gz", sha256=sha, min_size_bytes=100)
    return Recipe(**{**base.__dict__, "files": (remote,)})


def test_registry_documents_every_recipe():
    assert {"librispeech-train-clean-100", "librispeech-test-clean", "musan", "speech-commands-v0.02",
            "picovoice-wake-word-benchmark"} <= set(RECIPES)
    for recipe in RECIPES.values():
        assert recipe.license and recipe.homepage.startswith("https://") and recipe.layout and recipe.produces
        for remote in recipe.files:
            assert remote.url.startswith(("https://", "http://"))
            assert remote.url.endswith(remote.filename.split("-")[-1])
            assert remote.sha256 or remote.md5 or remote.min_size_bytes
    assert get_recipe("librispeech-test-clean").files[0].sha256 == \
        "39fde525e59672dc6d1551919b1478f724438a95aa55f874b576be21967e6c23"
    with pytest.raises(ConfigError, match="unknown dataset recipe"):
        get_recipe("timit")


def test_fetch_from_a_local_mirror(tmp_path):
    recipe = _fake_librispeech(tmp_path / "mirror")
    dest = fetch(recipe, dest=tmp_path / "data", mirror=tmp_path / "mirror")
    flacs = sorted((dest / "LibriSpeech" / "test-clean").rglob("*.flac"))
    assert len(flacs) == 4 and sf.info(str(flacs[0])).samplerate == SR
    marker = json.loads((dest / ".fetched" / "librispeech-test-clean.json").read_text())
    assert marker["files"][0]["sha256"] == recipe.files[0].sha256 and marker["license"] == "CC BY 4.0"
    # a second fetch is a no-op (the mirror could even be gone) ...
    (tmp_path / "mirror" / "test-clean.tar.gz").write_bytes(b"damaged")
    assert fetch(recipe, dest=tmp_path / "data", mirror=tmp_path / "mirror") == dest
    # ... unless forced, which verifies again
    with pytest.raises(AudioError, match="at least 100"):
        fetch(recipe, dest=tmp_path / "data", mirror=tmp_path / "mirror", force=True)


def test_fetch_finds_archives_in_a_recipe_subfolder(tmp_path):
    recipe = _fake_librispeech(tmp_path / "mirror" / "librispeech-test-clean")
    fetch(recipe, dest=tmp_path / "data", mirror=tmp_path / "mirror")
    assert (tmp_path / "data" / "LibriSpeech" / "test-clean" / "11").is_dir()


def test_checksum_mismatch_is_a_clear_error(tmp_path):
    recipe = _fake_librispeech(tmp_path / "mirror")
    bad = Recipe(**{**recipe.__dict__, "files": (RemoteFile(url=recipe.files[0].url, filename="test-clean.tar.gz",
                                                            sha256="0" * 64),)})
    with pytest.raises(AudioError) as err:
        fetch(bad, dest=tmp_path / "data", mirror=tmp_path / "mirror")
    message = str(err.value)
    assert "sha256 checksum mismatch" in message and "0" * 64 in message and recipe.files[0].sha256 in message
    assert "https://www.openslr.org/resources/12/test-clean.tar.gz" in message
    assert not (tmp_path / "data" / "LibriSpeech").exists()  # nothing unpacked


def test_missing_mirror_names_the_url_and_the_place(tmp_path):
    with pytest.raises(ConfigError) as err:
        fetch("librispeech-test-clean", dest=tmp_path / "data")
    assert "https://www.openslr.org/resources/12/test-clean.tar.gz" in str(err.value)
    assert "MIRROR/test-clean.tar.gz" in str(err.value) and "does not download" in str(err.value)
    (tmp_path / "mirror").mkdir()
    with pytest.raises(ConfigError) as err:
        fetch("speech-commands-v0.02", dest=tmp_path / "data", mirror=tmp_path / "mirror")
    assert "http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz" in str(err.value)
    assert str(tmp_path / "mirror" / "speech_commands_v0.02.tar.gz") in str(err.value)


def test_unexpected_layout_and_unsafe_archives_are_refused(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    sha = _make_tar(mirror / "test-clean.tar.gz", {"other/file.txt": b"x"})
    base = get_recipe("librispeech-test-clean")
    recipe = Recipe(**{**base.__dict__, "files": (RemoteFile(url=base.files[0].url, filename="test-clean.tar.gz",
                                                             sha256=sha),)})
    with pytest.raises(AudioError, match="LibriSpeech/test-clean is missing"):
        fetch(recipe, dest=tmp_path / "data", mirror=mirror)
    sha = _make_tar(mirror / "test-clean.tar.gz", {"../evil.txt": b"x"})
    recipe = Recipe(**{**base.__dict__, "files": (RemoteFile(url=base.files[0].url, filename="test-clean.tar.gz",
                                                             sha256=sha),)})
    with pytest.raises(AudioError, match="outside"):
        fetch(recipe, dest=tmp_path / "data2", mirror=mirror)
    assert not (tmp_path / "evil.txt").exists()


def test_zip_archive_without_checksum_is_size_checked(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with zipfile.ZipFile(mirror / "wake-word-benchmark-master.zip", "w") as zf:
        for i in range(3):
            zf.writestr(f"wake-word-benchmark-master/audio/alexa/{i}.flac", _flac_bytes())
    base = get_recipe("picovoice-wake-word-benchmark")
    assert base.files[0].sha256 is None and base.files[0].md5 is None
    with pytest.raises(AudioError, match="truncated or an error page"):
        fetch(base, dest=tmp_path / "data", mirror=mirror)
    small = Recipe(**{**base.__dict__, "files": (RemoteFile(url=base.files[0].url, filename=base.files[0].filename,
                                                            min_size_bytes=1000),)})
    dest = fetch(small, dest=tmp_path / "data", mirror=mirror)
    assert len(list((dest / "wake-word-benchmark-master" / "audio" / "alexa").glob("*.flac"))) == 3


def test_split_keeps_speakers_together_and_is_stable(tmp_path):
    root = tmp_path / "LibriSpeech"
    for spk in range(30):
        folder = root / str(100 + spk) / "7"
        folder.mkdir(parents=True)
        for utt in range(3):
            (folder / f"{100 + spk}-7-{utt:04d}.flac").write_bytes(b"")
    out = tmp_path / "manifests" / "split.json"
    manifest = write_manifest(root, out=out, fractions={"train": 0.6, "dev": 0.2, "test": 0.2})
    assert read_manifest(out) == manifest and manifest["group_by"] == "speaker"
    splits = manifest["splits"]
    assert sorted(sum(splits.values(), [])) == sorted(p.relative_to(root).as_posix() for p in root.rglob("*.flac"))
    owners = {}
    for name, files in splits.items():
        for f in files:
            owners.setdefault(speaker_from_name(f), set()).add(name)
    assert all(len(s) == 1 for s in owners.values()) and len(owners) == 30
    assert all(manifest["counts"][name]["files"] > 0 for name in splits)
    # adding a speaker never moves existing files
    (root / "999" / "7").mkdir(parents=True)
    (root / "999" / "7" / "999-7-0000.flac").write_bytes(b"")
    grown = write_manifest(root, out=out, fractions={"train": 0.6, "dev": 0.2, "test": 0.2})
    for name, files in splits.items():
        assert set(files) <= set(grown["splits"][name])
    assert assign_split("speaker-1", fractions={"a": 0.5, "b": 0.5}) == \
        assign_split("speaker-1", fractions={"a": 0.5, "b": 0.5})
    with pytest.raises(ConfigError, match="add up to 1"):
        split_files([], root=root, fractions={"train": 0.9, "test": 0.2})


def test_split_without_speakers_groups_by_file(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.flac").write_bytes(b"")
    manifest = write_manifest(tmp_path, out=tmp_path / "m.json", fractions={"train": 0.5, "test": 0.5})
    assert manifest["group_by"] == "file" and sum(c["files"] for c in manifest["counts"].values()) == 5
    assert speaker_from_name("yes/0a7c2a8d_nohash_0.wav") == "speech-commands:0a7c2a8d"
    (tmp_path / "empty").mkdir()
    with pytest.raises(AudioError, match="no audio files"):
        write_manifest(tmp_path / "empty", out=tmp_path / "x.json", fractions={"all": 1.0})
    with pytest.raises(ConfigError, match="speaker_from"):
        write_manifest(tmp_path, out=tmp_path / "x.json", fractions={"all": 1.0}, speaker_from="voice")


def _take_file(tmp_path: Path) -> Path:
    t = np.arange(SR * 3) / SR
    path = tmp_path / "source.wav"
    sf.write(path, (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), SR, subtype="PCM_16")
    return path


def test_record_from_a_file_source(tmp_path):
    out = tmp_path / "takes"
    said = []
    reports = record_takes(source=FileSource(_take_file(tmp_path)), out_dir=out, keyword="hey nova", count=3,
                           seconds=1.5, countdown_s=2, wait_for_enter=False, say=said.append, sleep=lambda s: None)
    assert [r.path.name for r in reports] == ["0000.wav", "0001.wav", "0002.wav"]
    for r in reports:
        info = sf.info(str(r.path))
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (SR, 1, "PCM_16", 24000)
        assert -7 < r.peak_dbfs < -5 and not r.clipped and not r.quiet
    assert any("hey nova" in line for line in said) and sum("..." in line for line in said) == 6
    assert next_index(out) == 3
    # a second session continues the numbering; a dry run writes nothing
    more = record_takes(source=FileSource(_take_file(tmp_path)), out_dir=out, keyword="hey nova", count=1,
                        seconds=1.0, countdown_s=0, wait_for_enter=False, say=lambda s: None)
    assert more[0].path.name == "0003.wav"
    assert record_takes(source=None, out_dir=out, keyword="hey nova", count=2, seconds=1.0, countdown_s=0,
                        wait_for_enter=False, dry_run=True, say=lambda s: None) == []
    assert next_index(out) == 4
    with pytest.raises(ConfigError, match="count"):
        record_takes(source=None, out_dir=out, keyword="x", count=0, seconds=1.0, dry_run=True)


def test_command_line(tmp_path, capsys):
    out = tmp_path / "takes"
    assert main(["record", "--keyword", "hey nova", "--out", str(out), "--count", "2", "--seconds", "1",
                 "--countdown", "0", "--no-wait", "--source", str(_take_file(tmp_path))]) == 0
    assert sorted(p.name for p in out.glob("*.wav")) == ["0000.wav", "0001.wav"]
    assert main(["fetch", "musan", "--dest", str(tmp_path / "d")]) == 2
    assert "https://www.openslr.org/resources/17/musan.tar.gz" in capsys.readouterr().err
    assert main(["list"]) == 0 and "CC BY 4.0" in capsys.readouterr().out
    assert main(["split", str(out), "--out", str(tmp_path / "m.json"), "--speaker-from", "folder"]) == 0
    assert read_manifest(tmp_path / "m.json")["group_by"] == "speaker"
    _fake_librispeech(tmp_path / "mirror")  # far smaller than the real archive: refused before hashing
    assert main(["fetch", "librispeech-test-clean", "--dest", str(tmp_path / "d"), "--mirror",
                 str(tmp_path / "mirror")]) == 2
    assert "truncated or an error page" in capsys.readouterr().err
