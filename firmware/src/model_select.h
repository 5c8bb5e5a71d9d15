// Which model the device runs: the built-in slot (compiled into the firmware) or
// the update slot (a flash region a model update writes; see firmware/MODEL_UPDATES.md).
//
// Rules, in order:
//   1. The built-in slot must pass CheckModelSlot. If it does not, the firmware
//      image itself is damaged: nothing is chosen and its status is returned (the
//      sketch then runs no model at all).
//   2. The update slot is chosen only when CheckModelSlot accepts it AND its
//      version is strictly newer than the built-in's (ModelSlotNewer): an erased,
//      partial, damaged, older or equal update slot leaves the built-in running.
//   3. Otherwise the built-in slot.
//
// No heap, no exceptions; reads at most builtin_size + update_size bytes.

#ifndef WAKEWORD_FIRMWARE_SRC_MODEL_SELECT_H_
#define WAKEWORD_FIRMWARE_SRC_MODEL_SELECT_H_

#include <stddef.h>
#include <stdint.h>

#include "model_slot.h"

namespace wakeword {

enum class ModelSource : uint8_t {
  kNone = 0,     // no model may run (the built-in slot failed its check)
  kBuiltIn = 1,  // the slot compiled into the firmware
  kUpdate = 2,   // the update slot in flash
};

// Short lowercase name of a source ("none", "built-in", "update").
const char* ModelSourceName(ModelSource source);

struct ModelSelection {
  ModelSource source;              // which slot runs
  ModelSlotInfo info;              // the chosen slot (zeroed when source is kNone)
  ModelSlotStatus builtin_status;  // CheckModelSlot of the built-in slot
  // CheckModelSlot of the update slot (always checked): why it was refused when
  // it is not kOk (kBadMagic for erased flash: no update was ever written).
  ModelSlotStatus update_status;
  // Both slots are valid but the update is not strictly newer than the built-in:
  // a downgrade (or the same version again), refused.
  bool update_not_newer;
  ModelSlotInfo update_info;  // the update slot's header when update_status is kOk, else zeroed
};

// Chooses the model to run (rules above) and fills `selection`. Returns kOk when a
// slot was chosen, otherwise the built-in slot's status (or kNullArgument when
// `selection` or `builtin_slot` is null). A null update_slot or an update_size of
// 0 means "no update slot" (reported as kNullArgument / kTruncatedHeader).
ModelSlotStatus SelectModel(const uint8_t* builtin_slot, size_t builtin_size,
                            const uint8_t* update_slot, size_t update_size,
                            ModelSelection* selection);

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_MODEL_SELECT_H_
