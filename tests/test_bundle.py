import dataclasses
import json

import pytest

from wakeword.bundle import load_bundle, pack_bundle, save_bundle
from wakeword.config import FeatureConfig
from wakeword.engine import Engine
from wakeword.errors import BundleError


@pytest.fixture
def bundle_dir(tmp_path, peer_bundle):
    return save_bundle(tmp_path / "alexa", peer_bundle.manifest, peer_bundle.model_bytes)


def test_roundtrip_folder_and_wwb(bundle_dir, tmp_path, peer_bundle):
    loaded = load_bundle(bundle_dir)
    assert loaded.manifest == peer_bundle.manifest
    assert loaded.model_bytes == peer_bundle.model_bytes
    wwb = pack_bundle(bundle_dir, tmp_path / "alexa.wwb")
    assert load_bundle(wwb).manifest == peer_bundle.manifest
    # deterministic archive
    assert pack_bundle(bundle_dir, tmp_path / "again.wwb").read_bytes() == wwb.read_bytes()


def test_tampered_model_is_refused(bundle_dir):
    model = bundle_dir / "alexa.tflite"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="sha256.*tampered"):
        load_bundle(bundle_dir)


def test_truncated_model_is_refused(bundle_dir):
    model = bundle_dir / "alexa.tflite"
    model.write_bytes(model.read_bytes()[:1000])
    with pytest.raises(BundleError, match="truncated"):
        load_bundle(bundle_dir)


def test_truncated_archive_is_refused(bundle_dir, tmp_path):
    wwb = pack_bundle(bundle_dir, tmp_path / "a.wwb")
    wwb.write_bytes(wwb.read_bytes()[:500])
    with pytest.raises(BundleError, match="a.wwb"):
        load_bundle(wwb)


@pytest.mark.parametrize("edit,match", [
    (lambda m: m.update(colour="blue"), "unknown key"),
    (lambda m: m["detector"].update(threshold=300), "threshold"),
    (lambda m: m["model"].update(kind="magic"), "kind"),
    (lambda m: m.update(format_version=99), "format_version"),
    (lambda m: m["features"].update(step_ms=20), "step_ms"),
    (lambda m: m.pop("keywords"), "missing required key keywords"),
    (lambda m: m["model"].update(input_shape="1,3,40"), "input_shape"),
])
def test_bad_manifest_fields_are_named(bundle_dir, edit, match):
    path = bundle_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=match):
        load_bundle(bundle_dir)


def test_manifest_not_json(bundle_dir):
    (bundle_dir / "manifest.json").write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        load_bundle(bundle_dir)


def test_manifest_disagreeing_with_the_model_tensors(tmp_path, peer_bundle):
    spec = dataclasses.replace(peer_bundle.manifest.model, input_scale=0.5)
    manifest = dataclasses.replace(peer_bundle.manifest, model=spec)
    path = save_bundle(tmp_path / "b", manifest, peer_bundle.model_bytes)
    with pytest.raises(BundleError, match="input_scale"):
        Engine.from_bundle(path, allow_unsigned=True)


def test_save_replaces_atomically_and_refuses_mismatch(bundle_dir, peer_bundle):
    with pytest.raises(BundleError):
        save_bundle(bundle_dir, peer_bundle.manifest, peer_bundle.model_bytes + b"x")
    # the bundle that was there is untouched
    assert load_bundle(bundle_dir).model_bytes == peer_bundle.model_bytes


def test_unknown_bundle_name():
    with pytest.raises(BundleError, match="not a built-in bundle"):
        load_bundle("no-such-keyword")


def test_feature_config_is_part_of_the_manifest(peer_bundle):
    assert peer_bundle.manifest.features == FeatureConfig()


def test_runtime_loads_require_a_trusted_signature(bundle_dir, tmp_path, capsys):
    """Engine.from_bundle / the CLI verify signatures; unsigned bundles only when allowed explicitly."""
    from wakeword.cli import main
    from wakeword.errors import SignatureError
    from wakeword.signing import generate_keypair, sign_bundle

    with pytest.raises(SignatureError, match="not signed"):
        Engine.from_bundle(bundle_dir)
    assert Engine.from_bundle(bundle_dir, allow_unsigned=True).keywords == ("alexa",)
    assert main(["info", str(bundle_dir)]) == 2
    assert "not signed" in capsys.readouterr().err
    assert main(["info", "--allow-unsigned", str(bundle_dir)]) == 0
    # signed with a key the runtime does not know: refused even with allow_unsigned; trusted on request
    private, public = generate_keypair(tmp_path / "keys")
    sign_bundle(bundle_dir, private)
    with pytest.raises(SignatureError):
        Engine.from_bundle(bundle_dir, allow_unsigned=True)
    assert Engine.from_bundle(bundle_dir, trusted_key_files=(public,)).keywords == ("alexa",)
    assert main(["info", "--trusted-key", str(public), str(bundle_dir)]) == 0


def test_shipped_bundles_are_signed_by_a_release_key():
    from wakeword.bundle import builtin_names, open_bundle

    assert "alexa" in builtin_names()
    for name in builtin_names():
        bundle = open_bundle(name)  # default policy: the package's release keys, no unsigned
        assert "signature.json" in bundle.files
