#include "model_select.h"

namespace wakeword {

const char* ModelSourceName(ModelSource source) {
  switch (source) {
    case ModelSource::kNone: return "none";
    case ModelSource::kBuiltIn: return "built-in";
    case ModelSource::kUpdate: return "update";
  }
  return "unknown";
}

ModelSlotStatus SelectModel(const uint8_t* builtin_slot, size_t builtin_size,
                            const uint8_t* update_slot, size_t update_size,
                            ModelSelection* selection) {
  if (selection == nullptr) return ModelSlotStatus::kNullArgument;
  ModelSlotInfo builtin;
  selection->source = ModelSource::kNone;
  selection->builtin_status = CheckModelSlot(builtin_slot, builtin_size, &builtin);
  selection->update_status = CheckModelSlot(update_slot, update_size, &selection->update_info);
  selection->update_not_newer = false;
  selection->info = ModelSlotInfo{};
  if (selection->builtin_status != ModelSlotStatus::kOk) return selection->builtin_status;

  if (selection->update_status == ModelSlotStatus::kOk) {
    if (ModelSlotNewer(selection->update_info, builtin)) {
      selection->source = ModelSource::kUpdate;
      selection->info = selection->update_info;
      return ModelSlotStatus::kOk;
    }
    selection->update_not_newer = true;
  }
  selection->source = ModelSource::kBuiltIn;
  selection->info = builtin;
  return ModelSlotStatus::kOk;
}

}  // namespace wakeword
