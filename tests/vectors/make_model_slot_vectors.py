"""Model slot test vectors (and the generated C++ layout header), written by wakeword.model_slot.

``firmware/test/test_model_slot.cc`` reads every file listed in
``model_slot_vectors.txt`` and expects ``CheckModelSlot`` to answer the status
named there; a valid slot's line also gives the version and model length::

    model_slot_valid.bin ok 1.2.3 3000
    model_slot_flipped_model_byte.bin bad_sha256

The script also writes ``firmware/src/model_slot_layout.h`` (the layout constants
the C++ check uses), so both sides of the contract come from one module.

    python tests/vectors/make_model_slot_vectors.py           # write
    python tests/vectors/make_model_slot_vectors.py --check   # exit 1 if anything is stale
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from wakeword.model_slot import (  # noqa: E402
    HEADER_BYTES, MAX_SLOT_MODEL_BYTES, pack_model_slot, render_layout_header, slot_header,
)
from generated_files import write_or_check  # noqa: E402  (beside this script)

VECTORS_DIR = ROOT / "tests" / "vectors"
LAYOUT_HEADER = ROOT / "firmware" / "src" / "model_slot_layout.h"
INDEX_NAME = "model_slot_vectors.txt"
VERSION = (1, 2, 3)
MODEL_BYTES = 3000  # not a multiple of the 64-byte SHA-256 block


# Update slots for the model selection test (SelectModel): another model, with
# versions around VERSION, padded with erased flash (0xFF) to whole 4 KiB pages as
# the board's update slot is.
UPDATE_MODEL_BYTES = 2500
FLASH_PAGE_BYTES = 4096


def fake_model(size: int, tag: bytes = b"model-slot-vector") -> bytes:
    """Deterministic stand-in for a .tflite file (the check never parses the model)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(tag + b"-%d" % counter).digest()
        counter += 1
    return bytes(out[:size])


def erased_pages(slot: bytes) -> bytes:
    """``slot`` followed by 0xFF up to a whole number of flash pages."""
    return slot + b"\xff" * (-len(slot) % FLASH_PAGE_BYTES)


def flip(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def vectors() -> list[tuple[str, bytes, str]]:
    """(file name, slot bytes, expected status and, for valid slots, 'version length')."""
    model = fake_model(MODEL_BYTES)
    digest = hashlib.sha256(model).digest()
    valid = pack_model_slot(model, VERSION)
    ok = f"ok {'.'.join(map(str, VERSION))} {MODEL_BYTES}"

    def header(**changes) -> bytes:
        fields = dict(model_length=MODEL_BYTES, model_sha256=digest, version=VERSION)
        fields.update(changes)
        return slot_header(**fields)

    update_model = fake_model(UPDATE_MODEL_BYTES, b"model-slot-update")

    def update(version: tuple[int, int, int]) -> bytes:
        return erased_pages(pack_model_slot(update_model, version))

    half_model = HEADER_BYTES + MODEL_BYTES // 2
    return [
        ("model_slot_valid.bin", valid, ok),
        ("model_slot_valid_erased_tail.bin", valid + b"\xff" * 1000, ok),  # rest of a flash slot
        ("model_slot_flipped_model_byte.bin", flip(valid, half_model), "bad_sha256"),
        ("model_slot_flipped_last_byte.bin", flip(valid, len(valid) - 1), "bad_sha256"),
        ("model_slot_flipped_sha256_byte.bin", header(model_sha256=flip(digest, 0)) + model, "bad_sha256"),
        ("model_slot_flipped_header_byte.bin", flip(valid, 12), "bad_header_crc"),
        ("model_slot_flipped_crc_byte.bin", flip(valid, HEADER_BYTES - 1), "bad_header_crc"),
        ("model_slot_truncated_header.bin", valid[:HEADER_BYTES - 1], "truncated_header"),
        ("model_slot_empty.bin", b"", "truncated_header"),
        ("model_slot_truncated_model.bin", valid[:half_model], "truncated_model"),
        ("model_slot_truncated_one_byte.bin", valid[:-1], "truncated_model"),
        ("model_slot_wrong_magic.bin", header(magic=b"WWMZ") + model, "bad_magic"),
        ("model_slot_erased_flash.bin", b"\xff" * 4096, "bad_magic"),
        ("model_slot_wrong_header_version.bin", header(header_version=2) + model, "bad_header_version"),
        ("model_slot_wrong_header_bytes.bin", header(header_bytes=128) + model, "bad_header_version"),
        ("model_slot_reserved_not_zero.bin", header(reserved=b"\0" * 7 + b"\1") + model, "reserved_not_zero"),
        ("model_slot_wrong_format_version.bin", header(format_version=2) + model, "bad_format_version"),
        ("model_slot_zero_length.bin", header(model_length=0) + model, "bad_length"),
        ("model_slot_oversized_length.bin", header(model_length=MAX_SLOT_MODEL_BYTES + 1) + model, "bad_length"),
        ("model_slot_max_u32_length.bin", header(model_length=0xFFFFFFFF) + model, "bad_length"),
        # a length the limit allows but this slot cannot hold
        ("model_slot_length_past_end.bin", header(model_length=MODEL_BYTES + 1) + model, "truncated_model"),
        # update slots (firmware/test/test_model_slot.cc pairs them with model_slot_valid.bin, 1.2.3)
        ("model_slot_update_newer.bin", update((1, 3, 0)), f"ok 1.3.0 {UPDATE_MODEL_BYTES}"),
        ("model_slot_update_same_version.bin", update(VERSION), f"ok 1.2.3 {UPDATE_MODEL_BYTES}"),
        ("model_slot_update_older.bin", update((1, 2, 2)), f"ok 1.2.2 {UPDATE_MODEL_BYTES}"),
        ("model_slot_update_newer_flipped_model_byte.bin",
         flip(update((1, 3, 0)), HEADER_BYTES + UPDATE_MODEL_BYTES // 3), "bad_sha256"),
    ]


def outputs() -> dict[Path, bytes]:
    files = {VECTORS_DIR / name: data for name, data, _ in vectors()}
    index = ["# file status [MAJOR.MINOR.PATCH model_length]; written by make_model_slot_vectors.py"]
    index += [f"{name} {expected}" for name, _, expected in vectors()]
    files[VECTORS_DIR / INDEX_NAME] = ("\n".join(index) + "\n").encode("ascii")
    files[LAYOUT_HEADER] = render_layout_header().encode("ascii")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
    args = parser.parse_args(argv)
    return write_or_check(outputs(), check=args.check, script="tests/vectors/make_model_slot_vectors.py")


if __name__ == "__main__":
    sys.exit(main())
