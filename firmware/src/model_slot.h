// Model slots: where the device keeps a model received over BLE, and the check
// that decides whether the model in a slot may be run.
//
// A slot is a 64-byte header followed by the model bytes (see
// firmware/MODEL_UPDATES.md). The layout constants are generated from
// wakeword/model_slot.py into model_slot_layout.h, and test vectors written by
// that module are checked by firmware/test/test_model_slot.cc, so the Python
// writer and this reader cannot drift apart.
//
// No heap, no exceptions; the check reads at most `slot_size` bytes.

#ifndef WAKEWORD_FIRMWARE_SRC_MODEL_SLOT_H_
#define WAKEWORD_FIRMWARE_SRC_MODEL_SLOT_H_

#include <stddef.h>
#include <stdint.h>

#include "model_slot_layout.h"

namespace wakeword {

// Why a slot was refused; every failure has its own code. The numeric values are
// stable (they may be reported over BLE).
enum class ModelSlotStatus : uint8_t {
  kOk = 0,
  kNullArgument = 1,           // slot or info is null
  kTruncatedHeader = 2,        // fewer than kModelSlotHeaderBytes bytes
  kBadMagic = 3,               // not "WWMS": erased flash or not a slot
  kBadHeaderVersion = 4,       // header_version or header_bytes unknown
  kBadHeaderCrc = 5,           // header damaged (CRC-32 mismatch)
  kReservedNotZero = 6,        // reserved header bytes must be zero
  kBadFormatVersion = 7,       // model exported for another manifest format
  kBadLength = 8,              // model_length 0 or above kModelSlotMaxModelBytes
  kTruncatedModel = 9,         // slot shorter than header + model_length
  kBadSha256 = 10,             // model bytes damaged or incomplete
};

// Short lowercase name of a status ("ok", "bad_sha256", ...), as in the test vectors.
const char* ModelSlotStatusName(ModelSlotStatus status);

// What a valid slot holds.
struct ModelSlotInfo {
  uint16_t format_version;
  uint16_t version_major;
  uint16_t version_minor;
  uint16_t version_patch;
  uint32_t model_length;
  const uint8_t* model;  // points into the slot, model_length bytes
};

// Checks the slot of `slot_size` bytes at `slot` (header, then model bytes; any
// bytes after the model, e.g. erased flash, are ignored). On kOk fills `info`;
// otherwise `info` is zeroed. Checks run cheapest first; the sha256 of the model
// is computed last, only for a slot whose header is intact.
ModelSlotStatus CheckModelSlot(const uint8_t* slot, size_t slot_size,
                               ModelSlotInfo* info);

// Whether version a is strictly newer than version b (for refusing downgrades).
bool ModelSlotNewer(const ModelSlotInfo& a, const ModelSlotInfo& b);

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of `size` bytes.
uint32_t Crc32(const uint8_t* data, size_t size);

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_MODEL_SLOT_H_
