"""The update client (install, downgrade refusal, interrupted installs, rollback, HTTP)
and the firmware model slot writer."""

from __future__ import annotations

import dataclasses
import json
import functools
import hashlib
import http.server
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from wakeword.bundle import load_bundle, pack_bundle, save_bundle
from wakeword.cli import main as cli_main
from wakeword.config import FORMAT_VERSION
from wakeword.errors import BundleError, ConfigError, SignatureError
from wakeword.signing import PUBLIC_KEY_NAME, TrustPolicy, generate_keypair, load_public_key, sign_bundle
from wakeword.update import (
    CURRENT_NAME, PREVIOUS_NAME, STALL_ENV, DowngradeError, install_update, installed_path, installed_version,
    rollback,
)

ROOT = Path(__file__).resolve().parents[1]
NAME = "microwakeword-alexa"


@pytest.fixture(scope="module")
def source_bundle():
    from wakeword.peers import microwakeword_bundle

    return microwakeword_bundle("alexa")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    private_path, public_path = generate_keypair(tmp_path_factory.mktemp("keys"))
    return private_path, public_path, TrustPolicy((load_public_key(public_path),))


@pytest.fixture(scope="module")
def releases(tmp_path_factory, source_bundle, keys):
    """Signed bundle folders (and .wwb files) of versions 1.0.0, 1.1.0 and 2.0.0, plus an unsigned 3.0.0."""
    root = tmp_path_factory.mktemp("releases")
    out = {}
    for version in ("1.0.0", "1.1.0", "2.0.0", "3.0.0"):
        manifest = dataclasses.replace(source_bundle.manifest, version=version)
        folder = save_bundle(root / version, manifest, source_bundle.model_bytes)
        if version != "3.0.0":
            sign_bundle(folder, keys[0])
        pack_bundle(folder, root / f"{version}.wwb")
        out[version] = folder
    return out


def install(source, install_dir, keys, **kwargs):
    return install_update(source, install_dir=install_dir, trust=keys[2], **kwargs)


def test_install_then_upgrade_keeps_previous(tmp_path, releases, keys):
    first = install(releases["1.0.0"], tmp_path, keys)
    assert (first.name, first.version, first.previous_version) == (NAME, "1.0.0", None)
    assert installed_version(tmp_path, NAME) == "1.0.0"
    second = install(releases["1.1.0"].parent / "1.1.0.wwb", tmp_path, keys)
    assert (second.version, second.previous_version) == ("1.1.0", "1.0.0")
    assert installed_version(tmp_path, NAME) == "1.1.0"
    assert load_bundle(tmp_path / NAME / PREVIOUS_NAME).manifest.version == "1.0.0"
    # what is installed verifies and runs
    from wakeword.engine import Engine

    Engine(load_bundle(installed_path(tmp_path, NAME), trust=keys[2]))
    assert sorted(p.name for p in (tmp_path / NAME).iterdir()) == [".lock", CURRENT_NAME, PREVIOUS_NAME]


@pytest.mark.parametrize("offered", ["1.0.0", "1.1.0"])
def test_downgrade_and_reinstall_are_refused_unless_forced(tmp_path, releases, keys, offered):
    install(releases["1.1.0"], tmp_path, keys)
    with pytest.raises(DowngradeError, match="not newer"):
        install(releases[offered], tmp_path, keys)
    assert installed_version(tmp_path, NAME) == "1.1.0"
    result = install(releases[offered], tmp_path, keys, force=True)
    assert (result.version, result.previous_version) == (offered, "1.1.0")
    assert installed_version(tmp_path, NAME) == offered


def test_unsigned_is_refused_unless_allowed(tmp_path, releases, keys):
    install(releases["1.0.0"], tmp_path, keys)
    with pytest.raises(SignatureError, match="not signed"):
        install(releases["3.0.0"], tmp_path, keys)
    assert installed_version(tmp_path, NAME) == "1.0.0"
    allowing = dataclasses.replace(keys[2], allow_unsigned=True)
    assert install_update(releases["3.0.0"], install_dir=tmp_path, trust=allowing).version == "3.0.0"


def test_untrusted_signer_is_refused_and_nothing_is_written(tmp_path, releases):
    _, public_path = generate_keypair(tmp_path / "stranger")
    with pytest.raises(SignatureError, match="not trusted"):
        install_update(releases["1.0.0"], install_dir=tmp_path / "inst", trust=TrustPolicy.from_key_files([public_path]))
    assert installed_version(tmp_path / "inst", NAME) is None
    assert not (tmp_path / "inst" / NAME).exists()


def test_tampered_bundle_is_refused_and_installed_one_kept(tmp_path, releases, keys, source_bundle):
    install(releases["1.0.0"], tmp_path / "inst", keys)
    tampered = tmp_path / "tampered"
    save_bundle(tampered, load_bundle(releases["2.0.0"]).manifest, source_bundle.model_bytes,
                extra_files={"signature.json": (releases["2.0.0"] / "signature.json").read_bytes()})
    model = bytearray((tampered / "alexa.tflite").read_bytes())
    model[500] ^= 0xFF
    (tampered / "alexa.tflite").write_bytes(bytes(model))
    with pytest.raises(SignatureError):
        install(tampered, tmp_path / "inst", keys)
    assert installed_version(tmp_path / "inst", NAME) == "1.0.0"


def test_incompatible_model_is_refused(tmp_path, source_bundle, keys):
    """A signed bundle whose manifest disagrees with the model's tensors never gets installed."""
    spec = dataclasses.replace(source_bundle.manifest.model, input_zero_point=source_bundle.manifest.model.input_zero_point + 1)
    manifest = dataclasses.replace(source_bundle.manifest, model=spec)
    folder = save_bundle(tmp_path / "bad", manifest, source_bundle.model_bytes)
    sign_bundle(folder, keys[0])
    with pytest.raises(BundleError, match="input_zero_point"):
        install(folder, tmp_path / "inst", keys)
    assert not (tmp_path / "inst" / NAME).exists()


def test_bundle_name_that_would_escape_the_install_dir_is_refused(tmp_path, source_bundle, keys):
    folder = save_bundle(tmp_path / "dots", source_bundle.manifest, source_bundle.model_bytes)
    raw = json.loads((folder / "manifest.json").read_text())
    raw["name"] = ".."  # written by hand: the Manifest type itself refuses it
    (folder / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(BundleError, match="name='..'"):
        sign_bundle(folder, keys[0])  # nobody can sign it
    with pytest.raises(BundleError):  # so it is refused (unsigned, and an invalid manifest)
        install(folder, tmp_path / "inst" / "sub", keys)
    assert not (tmp_path / "inst" / CURRENT_NAME).exists()


def test_missing_source_is_a_bundle_error(tmp_path, keys):
    with pytest.raises(BundleError, match="no such"):
        install(tmp_path / "nothing.wwb", tmp_path / "inst", keys)


def test_rollback_restores_previous_and_a_second_rollback_undoes_it(tmp_path, releases, keys):
    install(releases["1.0.0"], tmp_path, keys)
    with pytest.raises(BundleError, match="no previous"):
        rollback(tmp_path, NAME)
    install(releases["2.0.0"], tmp_path, keys)
    result = rollback(tmp_path, NAME)
    assert (result.version, result.previous_version) == ("1.0.0", "2.0.0")
    assert installed_version(tmp_path, NAME) == "1.0.0"
    load_bundle(installed_path(tmp_path, NAME), trust=keys[2])
    assert rollback(tmp_path, NAME).version == "2.0.0"
    assert installed_version(tmp_path, NAME) == "2.0.0"
    with pytest.raises(BundleError, match="not installed"):
        rollback(tmp_path, "nothing-here")


def test_damaged_current_does_not_block_a_repairing_install(tmp_path, releases, keys):
    install(releases["1.0.0"], tmp_path, keys)
    (tmp_path / NAME / CURRENT_NAME).write_bytes(b"garbage")
    assert install(releases["1.1.0"], tmp_path, keys).previous_version is None
    assert installed_version(tmp_path, NAME) == "1.1.0"
    assert not (tmp_path / NAME / PREVIOUS_NAME).exists()  # the garbage was not kept for rollback


# --- interrupted install ----------------------------------------------------------------

_INSTALLER = """
import sys
from wakeword.signing import TrustPolicy
from wakeword.update import install_update
install_update(sys.argv[1], install_dir=sys.argv[2], trust=TrustPolicy.from_key_files([sys.argv[3]]))
"""


def test_installer_killed_mid_write_leaves_the_old_version(tmp_path, releases, keys):
    install(releases["1.0.0"], tmp_path / "inst", keys)
    before = (tmp_path / "inst" / NAME / CURRENT_NAME).read_bytes()
    stall_file = tmp_path / "stalled"
    env = dict(os.environ, **{STALL_ENV: str(stall_file)})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-c", _INSTALLER, str(releases["2.0.0"]), str(tmp_path / "inst"),
                                str(keys[1])], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not stall_file.exists():
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the installer never reached the middle of its write"
            time.sleep(0.02)
        partial = [p for p in (tmp_path / "inst" / NAME).iterdir() if p.name.startswith(".current.tmp-")]
        assert len(partial) == 1 and 0 < partial[0].stat().st_size < len(before)  # caught mid-write
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert installed_version(tmp_path / "inst", NAME) == "1.0.0"
    assert (tmp_path / "inst" / NAME / CURRENT_NAME).read_bytes() == before
    load_bundle(installed_path(tmp_path / "inst", NAME), trust=keys[2])
    # the next install cleans up the dead installer's temporary file and succeeds
    assert install(releases["2.0.0"], tmp_path / "inst", keys).previous_version == "1.0.0"
    assert sorted(p.name for p in (tmp_path / "inst" / NAME).iterdir()) == [".lock", CURRENT_NAME, PREVIOUS_NAME]


# --- over HTTP --------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(releases):
    """A loopback HTTP server on a free port, serving the releases folder."""
    handler = functools.partial(_QuietHandler, directory=str(releases["1.0.0"].parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_install_over_http(tmp_path, server, keys):
    result = install(f"{server}/1.1.0.wwb", tmp_path, keys, timeout_s=10)
    assert result.version == "1.1.0"
    assert install(f"{server}/2.0.0.wwb", tmp_path, keys, timeout_s=10).previous_version == "1.1.0"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".download-")]  # staging removed


def test_http_errors_and_size_cap(tmp_path, server, keys):
    with pytest.raises(BundleError, match="HTTP 404"):
        install(f"{server}/missing.wwb", tmp_path, keys, timeout_s=10)
    with pytest.raises(BundleError, match="larger than"):
        install(f"{server}/1.1.0.wwb", tmp_path, keys, timeout_s=10, max_bytes=1000)
    with pytest.raises(SignatureError, match=r"3\.0\.0\.wwb \(downloaded\): .*not signed"):
        install(f"{server}/3.0.0.wwb", tmp_path, keys, timeout_s=10)
    with pytest.raises(BundleError, match="only http and https"):
        install("file:///etc/passwd", tmp_path, keys)
    assert installed_version(tmp_path, NAME) is None


def test_silent_server_times_out(tmp_path, keys):
    """A server that accepts the connection and never answers is cut off by the timeout."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        start = time.monotonic()
        with pytest.raises(BundleError, match="cannot download"):
            install(f"http://127.0.0.1:{listener.getsockname()[1]}/x.wwb", tmp_path, keys, timeout_s=0.5)
        assert time.monotonic() - start < 10
    finally:
        listener.close()


def test_redirect_to_a_file_url_is_refused(tmp_path, keys):
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with pytest.raises(BundleError, match="HTTP 302"):
            install(f"http://127.0.0.1:{httpd.server_address[1]}/x.wwb", tmp_path, keys, timeout_s=5)
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- staging folders left by a killed download ---------------------------------------

def _staging_folders(install_dir: Path) -> list[Path]:
    return sorted(p for p in install_dir.iterdir() if p.name.startswith(".download-"))


def test_next_update_removes_the_staging_folder_of_a_killed_download(tmp_path, releases, keys):
    """An installer SIGKILLed mid-download leaves its .download-* folder; the next update removes it
    (and one an older client left without a lock file) and installs."""
    body = (releases["1.1.0"].parent / "1.1.0.wwb").read_bytes()
    release = threading.Event()

    class Stall(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            release.wait(60)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stall)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    inst = tmp_path / "inst"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen([sys.executable, "-c", _INSTALLER, f"http://127.0.0.1:{httpd.server_address[1]}/x.wwb",
                                str(inst), str(keys[1])], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        # the download file is open (its first read waits for the rest of a 64 KiB chunk)
        while not any((p / "bundle.wwb").is_file() for p in (_staging_folders(inst) if inst.is_dir() else [])):
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the installer never started its download"
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        release.set()
        httpd.shutdown()
        httpd.server_close()
    assert process.returncode == -signal.SIGKILL
    stale = _staging_folders(inst)
    assert len(stale) == 1 and (stale[0] / "bundle.wwb").stat().st_size < len(body)  # left behind, partial
    older = inst / ".download-older-client"  # no lock file: killed before it had one, or an older client
    older.mkdir()
    (older / "bundle.wwb").write_bytes(body[:100])

    result = install(releases["1.1.0"], inst, keys)
    assert result.version == "1.1.0" and installed_version(inst, NAME) == "1.1.0"
    assert _staging_folders(inst) == []


def test_a_running_installers_staging_folder_is_kept(tmp_path, releases, keys):
    """A staging folder whose lock is held (its installer is alive) is not touched."""
    import fcntl

    live = tmp_path / ".download-live"
    live.mkdir()
    (live / "bundle.wwb").write_bytes(b"half a download")
    with open(live / ".lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another open file description: as another process's lock
        assert install(releases["1.0.0"], tmp_path, keys).version == "1.0.0"
        assert _staging_folders(tmp_path) == [live] and (live / "bundle.wwb").read_bytes() == b"half a download"
    assert install(releases["1.1.0"], tmp_path, keys).version == "1.1.0"  # now its owner is gone
    assert _staging_folders(tmp_path) == []


# --- command line -----------------------------------------------------------------------

def test_cli_update_and_rollback(tmp_path, releases, keys, server, capsys):
    pub = str(keys[1])
    inst = str(tmp_path / "inst")
    assert cli_main(["update", "--from", str(releases["1.0.0"]), "--install-dir", inst, "--trusted-key", pub]) == 0
    assert cli_main(["update", "--from", f"{server}/2.0.0.wwb", "--install-dir", inst, "--trusted-key", pub]) == 0
    assert "installed microwakeword-alexa 2.0.0 (was 1.0.0)" in capsys.readouterr().out
    assert cli_main(["update", "--from", str(releases["1.1.0"]), "--install-dir", inst, "--trusted-key", pub]) == 2
    assert "not newer" in capsys.readouterr().err
    assert cli_main(["update", "--from", str(releases["1.1.0"]), "--install-dir", inst, "--trusted-key", pub,
                     "--force"]) == 0
    assert cli_main(["update", "--from", str(releases["3.0.0"]), "--install-dir", inst]) == 2
    assert "--trusted-key" in capsys.readouterr().err
    assert cli_main(["update", "--from", str(releases["3.0.0"]), "--install-dir", inst, "--allow-unsigned"]) == 0
    assert cli_main(["rollback", NAME, "--install-dir", inst]) == 0
    assert "back to 1.1.0 (was 3.0.0)" in capsys.readouterr().out
    assert installed_version(inst, NAME) == "1.1.0"
    assert (keys[1].parent / PUBLIC_KEY_NAME).exists()


# --- firmware model slots (wakeword/model_slot.py) --------------------------------------

def test_pack_model_slot_layout():
    from wakeword.model_slot import HEADER_BYTES, pack_model_slot

    model = bytes(range(256)) * 3
    slot = pack_model_slot(model, "1.2.65535")
    assert slot[:4] == b"WWMS" and slot[HEADER_BYTES:] == model
    magic, header_version, header_bytes, fmt, major, minor, patch, length, digest, reserved, crc = struct.unpack(
        "<4sHHHHHHI32s8sI", slot[:HEADER_BYTES])
    assert (header_version, header_bytes, fmt) == (1, HEADER_BYTES, FORMAT_VERSION)
    assert (major, minor, patch, length) == (1, 2, 65535, len(model))
    assert digest == hashlib.sha256(model).digest() and reserved == bytes(8)
    assert crc == zlib.crc32(slot[:60])


@pytest.mark.parametrize("version", ["1.2", "1.2.3.4", "1.2.65536", "-1.0.0", "\u00b2.0.0", "a.b.c", (1, 2),
                                     (1, 2, True)])
def test_pack_model_slot_refuses_bad_versions(version):
    from wakeword.model_slot import pack_model_slot

    with pytest.raises(ConfigError):
        pack_model_slot(b"model", version)


def test_pack_model_slot_refuses_empty_model():
    from wakeword.model_slot import pack_model_slot

    with pytest.raises(ConfigError):
        pack_model_slot(b"", "1.0.0")


def test_model_slot_for_bundle(source_bundle):
    from wakeword.model_slot import HEADER_BYTES, model_slot_for_bundle

    slot = model_slot_for_bundle(source_bundle)
    assert slot[HEADER_BYTES:] == source_bundle.model_bytes
    assert struct.unpack("<HHH", slot[10:16]) == source_bundle.manifest.version_tuple


def test_committed_model_slot_vectors_and_layout_header_are_fresh():
    """tests/vectors/model_slot_* and firmware/src/model_slot_layout.h are what the generator writes."""
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "vectors" / "make_model_slot_vectors.py"),
                             "--check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
