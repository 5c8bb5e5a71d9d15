"""Bundle signatures: keys, signing folders and .wwb files, tampering, trust policies."""

from __future__ import annotations

import dataclasses
import json
import stat
import zipfile

import pytest

from wakeword.bundle import MANIFEST_NAME, load_bundle, manifest_bytes, pack_bundle, save_bundle
from wakeword.cli import main as cli_main
from wakeword.errors import BundleError, ConfigError, SignatureError, WakewordError
from wakeword.signing import (
    PRIVATE_KEY_NAME, PUBLIC_KEY_NAME, SIGNATURE_NAME, TrustPolicy, generate_keypair, key_id, load_private_key,
    load_public_key, sign_bundle, verify_bundle,
)


@pytest.fixture(scope="module")
def source_bundle():
    from wakeword.peers import microwakeword_bundle

    return microwakeword_bundle("alexa")


@pytest.fixture(scope="module")
def keypair(tmp_path_factory):
    private_path, public_path = generate_keypair(tmp_path_factory.mktemp("keys"))
    return private_path, public_path, TrustPolicy((load_public_key(public_path),))


@pytest.fixture(scope="module")
def other_keypair(tmp_path_factory):
    private_path, public_path = generate_keypair(tmp_path_factory.mktemp("other_keys"))
    return private_path, public_path, TrustPolicy((load_public_key(public_path),))


@pytest.fixture
def signed_folder(tmp_path, source_bundle, keypair):
    folder = save_bundle(tmp_path / "bundle", source_bundle.manifest, source_bundle.model_bytes)
    sign_bundle(folder, keypair[0])
    return folder


def test_generate_keypair_writes_private_key_0600_and_refuses_to_overwrite(tmp_path):
    private_path, public_path = generate_keypair(tmp_path)
    assert (private_path.name, public_path.name) == (PRIVATE_KEY_NAME, PUBLIC_KEY_NAME)
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert private_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_path.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert key_id(load_private_key(private_path).public_key()) == key_id(load_public_key(public_path))
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        generate_keypair(tmp_path)


def test_signed_folder_loads_with_trust_and_records_key_id(signed_folder, keypair):
    document = json.loads((signed_folder / SIGNATURE_NAME).read_text())
    assert document["algorithm"] == "ed25519"
    assert document["key_id"] == key_id(load_public_key(keypair[1]))
    assert set(document["files"]) == {MANIFEST_NAME, "alexa.tflite"}
    bundle = load_bundle(signed_folder, trust=keypair[2])
    assert verify_bundle(bundle, keypair[2]) == document["key_id"]
    assert verify_bundle(bundle, list(keypair[2].trusted_keys)) == document["key_id"]


def test_signing_a_wwb_and_packing_a_signed_folder_both_verify(tmp_path, signed_folder, source_bundle, keypair):
    packed = pack_bundle(signed_folder, tmp_path / "packed.wwb")
    assert load_bundle(packed, trust=keypair[2]).model_bytes == source_bundle.model_bytes
    unsigned = save_bundle(tmp_path / "unsigned", source_bundle.manifest, source_bundle.model_bytes)
    archive = pack_bundle(unsigned, tmp_path / "unsigned.wwb")
    sign_bundle(archive, keypair[0])
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == sorted(["alexa.tflite", MANIFEST_NAME, SIGNATURE_NAME])
    load_bundle(archive, trust=keypair[2])


def test_resigning_replaces_the_signature(signed_folder, keypair, other_keypair):
    before = json.loads((signed_folder / SIGNATURE_NAME).read_text())
    sign_bundle(signed_folder, other_keypair[0])
    after = json.loads((signed_folder / SIGNATURE_NAME).read_text())
    assert after["key_id"] == key_id(load_public_key(other_keypair[1])) != before["key_id"]
    assert after["signature"] != before["signature"]
    bundle = load_bundle(signed_folder, trust=other_keypair[2])
    assert verify_bundle(bundle, other_keypair[2]) == after["key_id"]
    # the old key no longer verifies it: the signature was replaced, not added
    with pytest.raises(SignatureError):
        load_bundle(signed_folder, trust=keypair[2])


def flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("offset", [0, 1000, -1])
def test_flipped_model_byte_is_refused(signed_folder, keypair, offset):
    flip_byte(signed_folder / "alexa.tflite", offset)
    with pytest.raises(SignatureError, match="alexa.tflite was changed after signing"):
        load_bundle(signed_folder, trust=keypair[2])
    with pytest.raises(BundleError, match="sha256"):  # without a policy the checksum still catches it
        load_bundle(signed_folder)


def test_flipped_manifest_byte_is_refused(signed_folder, keypair):
    flip_byte(signed_folder / MANIFEST_NAME, 40)
    with pytest.raises(SignatureError, match="manifest.json was changed after signing"):
        load_bundle(signed_folder, trust=keypair[2])


def test_manifest_edited_consistently_is_refused(signed_folder, source_bundle, keypair):
    """A valid manifest with a lower threshold (and the model untouched) is still refused."""
    loosened = dataclasses.replace(source_bundle.manifest,
                                   detector=dataclasses.replace(source_bundle.manifest.detector, threshold=1))
    (signed_folder / MANIFEST_NAME).write_bytes(manifest_bytes(loosened))
    load_bundle(signed_folder)  # a perfectly valid bundle...
    with pytest.raises(SignatureError, match="manifest.json"):
        load_bundle(signed_folder, trust=keypair[2])  # ...that is not the one that was signed


def test_forged_signature_and_digest_edits_are_refused(signed_folder, keypair):
    path = signed_folder / SIGNATURE_NAME
    original = json.loads(path.read_text())
    forged = dict(original, signature=original["signature"][:10] + ("A" if original["signature"][10] != "A" else "B")
                  + original["signature"][11:])
    path.write_text(json.dumps(forged))
    with pytest.raises(SignatureError, match="does not verify"):
        load_bundle(signed_folder, trust=keypair[2])
    forged = dict(original, files=dict(original["files"], **{"alexa.tflite": "0" * 64}))
    path.write_text(json.dumps(forged))
    with pytest.raises(SignatureError, match="does not verify"):
        load_bundle(signed_folder, trust=keypair[2])


def test_member_added_after_signing_is_refused(signed_folder, keypair):
    (signed_folder / "extra.bin").write_bytes(b"payload")
    with pytest.raises(SignatureError, match="extra.bin was added after signing"):
        load_bundle(signed_folder, trust=keypair[2])


def test_untrusted_key_is_refused(signed_folder, other_keypair):
    with pytest.raises(SignatureError, match="not trusted"):
        load_bundle(signed_folder, trust=other_keypair[2])
    with pytest.raises(SignatureError, match="not trusted"):
        load_bundle(signed_folder, trust=TrustPolicy())


def test_trusting_several_keys(signed_folder, keypair, other_keypair):
    both = TrustPolicy(other_keypair[2].trusted_keys + keypair[2].trusted_keys)
    load_bundle(signed_folder, trust=both)
    assert TrustPolicy.from_key_files([other_keypair[1], keypair[1]]).key_for(
        key_id(load_public_key(keypair[1]))) is not None


def test_unsigned_bundle_is_refused_unless_allowed(tmp_path, source_bundle, keypair):
    folder = save_bundle(tmp_path / "unsigned", source_bundle.manifest, source_bundle.model_bytes)
    with pytest.raises(SignatureError, match="not signed"):
        load_bundle(folder, trust=keypair[2])
    allowing = dataclasses.replace(keypair[2], allow_unsigned=True)
    assert load_bundle(folder, trust=allowing).manifest == source_bundle.manifest


def test_allow_unsigned_still_refuses_a_bad_signature(signed_folder, keypair):
    flip_byte(signed_folder / "alexa.tflite", 7)
    with pytest.raises(SignatureError):
        load_bundle(signed_folder, trust=dataclasses.replace(keypair[2], allow_unsigned=True))


def test_without_trust_signatures_are_ignored(signed_folder, source_bundle):
    (signed_folder / SIGNATURE_NAME).write_text("not json")
    assert load_bundle(signed_folder).manifest == source_bundle.manifest


def test_tampered_wwb_never_loads_different_content(tmp_path, signed_folder, keypair):
    """Flip one bit at 200 places of a signed .wwb: each load is refused, or (for a flip in zip
    metadata such as a timestamp) yields exactly the signed members."""
    packed = pack_bundle(signed_folder, tmp_path / "packed.wwb")
    signed = load_bundle(packed, trust=keypair[2]).files
    data = packed.read_bytes()
    refused = 0
    for offset in range(0, len(data), max(1, len(data) // 200)):
        changed = bytearray(data)
        changed[offset] ^= 0x10
        packed.write_bytes(bytes(changed))
        try:
            assert load_bundle(packed, trust=keypair[2]).files == signed
        except WakewordError:
            refused += 1
    assert refused > 150


@pytest.mark.parametrize("content", [b"", b"garbage", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_bad_key_files_are_config_errors(tmp_path, content):
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    with pytest.raises(ConfigError):
        load_public_key(path)
    with pytest.raises(ConfigError):
        load_private_key(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_public_key(tmp_path / "missing.pub")


def test_non_ed25519_keys_are_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    with pytest.raises(ConfigError, match="Ed25519"):
        load_public_key(path)
    with pytest.raises(ConfigError, match="Ed25519"):
        TrustPolicy((key.public_key(),))


def test_sign_refuses_an_invalid_bundle(tmp_path, signed_folder, keypair):
    flip_byte(signed_folder / "alexa.tflite", 3)
    with pytest.raises(BundleError):
        sign_bundle(signed_folder, keypair[0])
    with pytest.raises(SignatureError, match="no such"):
        sign_bundle(tmp_path / "missing", keypair[0])


def test_cli_keygen_and_sign(tmp_path, source_bundle, capsys):
    folder = save_bundle(tmp_path / "bundle", source_bundle.manifest, source_bundle.model_bytes)
    assert cli_main(["keygen", "--out", str(tmp_path / "k")]) == 0
    assert "key id" in capsys.readouterr().out
    assert cli_main(["sign", str(folder), "--key", str(tmp_path / "k" / PRIVATE_KEY_NAME)]) == 0
    load_bundle(folder, trust=TrustPolicy.from_key_files([tmp_path / "k" / PUBLIC_KEY_NAME]))
    assert cli_main(["keygen", "--out", str(tmp_path / "k")]) == 2  # refuses to overwrite
    assert "refusing to overwrite" in capsys.readouterr().err
