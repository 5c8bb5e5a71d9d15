"""Firmware model slots: a 64-byte header followed by the model bytes.

The device stores a received model in a flash slot and runs it only after
``CheckModelSlot`` (firmware/src/model_slot.cc) accepts the slot. This module is the
writer and the single definition of the layout: :func:`render_layout_header` turns
the constants below into ``firmware/src/model_slot_layout.h`` and
``tests/vectors/make_model_slot_vectors.py`` writes test vectors the C++ test reads.

Header (all integers little-endian)::

    offset size  field
         0    4  magic "WWMS"
         4    2  header_version (1)
         6    2  header_bytes (64)
         8    2  format_version (the manifest format the model was exported for)
        10    6  model version MAJOR, MINOR, PATCH (3 x u16)
        16    4  model_length (bytes after the header)
        20   32  sha256 of the model bytes
        52    8  reserved, zero
        60    4  CRC-32 (IEEE, as zlib.crc32) of bytes 0..59
        64    -  model bytes
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from .bundle import MAX_MODEL_BYTES, Bundle
from .config import FORMAT_VERSION, Manifest
from .errors import ConfigError

MAGIC = b"WWMS"
HEADER_VERSION = 1
HEADER_BYTES = 64
#: largest model a slot may declare (the same bound as a bundle's model file)
MAX_SLOT_MODEL_BYTES = MAX_MODEL_BYTES
_FIELDS = struct.Struct("<4sHHHHHHI32s8s")  # everything before the CRC
assert _FIELDS.size + 4 == HEADER_BYTES

#: (name, offset) of every header field, in order; rendered into the C++ header
FIELD_OFFSETS = (
    ("Magic", 0), ("HeaderVersion", 4), ("HeaderBytes", 6), ("FormatVersion", 8),
    ("VersionMajor", 10), ("VersionMinor", 12), ("VersionPatch", 14), ("ModelLength", 16),
    ("Sha256", 20), ("Reserved", 52), ("HeaderCrc", 60),
)
RESERVED_BYTES = 8


def slot_header(*, model_length: int, model_sha256: bytes, version: tuple[int, int, int],
                format_version: int = FORMAT_VERSION, magic: bytes = MAGIC, header_version: int = HEADER_VERSION,
                header_bytes: int = HEADER_BYTES, reserved: bytes = bytes(RESERVED_BYTES)) -> bytes:
    """A 64-byte header with a correct CRC for exactly these field values.

    No range checks beyond what the field widths force: test vectors use this to
    write well-formed headers with bad values. Use :func:`pack_model_slot` for slots.
    """
    body = _FIELDS.pack(magic, header_version, header_bytes, format_version, *version,
                        model_length, model_sha256, reserved)
    return body + struct.pack("<I", zlib.crc32(body))


def _version_triple(version: str | tuple[int, int, int]) -> tuple[int, int, int]:
    parts = version.split(".") if isinstance(version, str) else list(version)

    def part_ok(p: object) -> bool:
        if isinstance(p, str):
            return p.isascii() and p.isdigit() and int(p) <= 0xFFFF
        return isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 0xFFFF

    if len(parts) != 3 or not all(part_ok(p) for p in parts):
        raise ConfigError(f"model slot version {version!r} must be MAJOR.MINOR.PATCH with each part in 0..65535")
    major, minor, patch = (int(p) for p in parts)
    return major, minor, patch


def pack_model_slot(model_bytes: bytes, version: str | tuple[int, int, int], *,
                    format_version: int = FORMAT_VERSION) -> bytes:
    """Header + model bytes, ready to be written to a firmware model slot.

    Parameters
    ----------
    model_bytes : the ``.tflite`` flatbuffer (1 .. MAX_SLOT_MODEL_BYTES bytes).
    version : "MAJOR.MINOR.PATCH" or a 3-tuple, each part 0..65535.
    format_version : manifest format version the model was exported for.
    """
    model_bytes = bytes(model_bytes)
    if not 0 < len(model_bytes) <= MAX_SLOT_MODEL_BYTES:
        raise ConfigError(f"a model slot holds 1..{MAX_SLOT_MODEL_BYTES} model bytes, got {len(model_bytes)}")
    if not 0 <= format_version <= 0xFFFF:
        raise ConfigError(f"format_version={format_version} does not fit a model slot (0..65535)")
    header = slot_header(model_length=len(model_bytes), model_sha256=hashlib.sha256(model_bytes).digest(),
                         version=_version_triple(version), format_version=format_version)
    return header + model_bytes


def model_slot_for_manifest(manifest: Manifest, model_bytes: bytes) -> bytes:
    """The slot image of ``model_bytes``, versioned as ``manifest`` says (version, format)."""
    return pack_model_slot(model_bytes, manifest.version, format_version=manifest.format_version)


def model_slot_for_bundle(bundle: Bundle) -> bytes:
    """The slot image of a loaded bundle's model, versioned as its manifest says.

    The firmware's built-in slot (``firmware/generated/model_data.cc``, written by
    ``training.export.firmware_sources``) is this image too.
    """
    return model_slot_for_manifest(bundle.manifest, bundle.model_bytes)


def render_layout_header() -> str:
    """``firmware/src/model_slot_layout.h``: the constants above, for the C++ check."""
    lines = [
        "// GENERATED by tests/vectors/make_model_slot_vectors.py from wakeword/model_slot.py.",
        "// Do not edit: change the Python module and run the script again.",
        "",
        "#ifndef WAKEWORD_FIRMWARE_SRC_MODEL_SLOT_LAYOUT_H_",
        "#define WAKEWORD_FIRMWARE_SRC_MODEL_SLOT_LAYOUT_H_",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "namespace wakeword {",
        "",
        "constexpr uint8_t kModelSlotMagic[4] = {" + ", ".join(f"'{chr(b)}'" for b in MAGIC) + "};",
        f"constexpr uint16_t kModelSlotHeaderVersion = {HEADER_VERSION};",
        f"constexpr size_t kModelSlotHeaderBytes = {HEADER_BYTES};",
        f"constexpr uint16_t kModelSlotFormatVersion = {FORMAT_VERSION};",
        f"constexpr uint32_t kModelSlotMaxModelBytes = {MAX_SLOT_MODEL_BYTES}u;",
        f"constexpr size_t kModelSlotReservedBytes = {RESERVED_BYTES};",
        "",
        "// Byte offsets of the header fields (little-endian integers).",
    ]
    lines += [f"constexpr size_t kModelSlotOffset{name} = {offset};" for name, offset in FIELD_OFFSETS]
    lines += ["", "}  // namespace wakeword", "", "#endif  // WAKEWORD_FIRMWARE_SRC_MODEL_SLOT_LAYOUT_H_", ""]
    return "\n".join(lines)
