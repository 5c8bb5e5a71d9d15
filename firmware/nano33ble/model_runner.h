// Model runner: int8 feature frames in, uint8 keyword scores out.
//
// The model comes from a model slot (firmware/MODEL_UPDATES.md): the built-in slot
// (src/model_data.cc, generated) or the update slot (update_slot.h), chosen by
// wakeword::SelectModel after CheckModelSlot accepted it (magic, header CRC, length,
// sha256); an update runs only when it is valid and strictly newer.
//
// A tflite::MicroInterpreter over that model with
//   * a MicroMutableOpResolver<kOpCount> holding exactly the model's ops
//     (model_ops.h, from the manifest's op list),
//   * a tensor arena of kTensorArenaBytes (the manifest's tflm_arena_bytes, measured
//     by training/export.py in the tflite-micro interpreter, plus 10 %),
//   * MicroResourceVariables for the streaming state (the model keeps its past
//     frames in VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE resource variables),
//     allocated from the same arena, as the tflite-micro Python interpreter that
//     measured the arena does.
// The model is streaming: each call takes the kStrideFrames newest frames, so the
// runner collects frames and invokes the model on every kStrideFrames-th one.
// Scores are computed like wakeword.model.ModelRunner (quantization.h).

#ifndef WAKEWORD_NANO33BLE_MODEL_RUNNER_H_
#define WAKEWORD_NANO33BLE_MODEL_RUNNER_H_

#include <stddef.h>
#include <stdint.h>

namespace wakeword_sketch {

struct ModelInfo {
  const char* source;       // the slot the model runs from: "built-in" or "update"
  uint16_t version_major;   // the slot header's model version
  uint16_t version_minor;
  uint16_t version_patch;
  uint32_t model_bytes;     // length of the model in that slot
  float input_scale;       // of the int8 input tensor (for the feature quantizer)
  int input_zero_point;
  size_t arena_used_bytes;  // what AllocateTensors() actually took of the arena
  int resource_variables;   // streaming state variables in the model
};

// Checks both model slots and picks one (wakeword::SelectModel; prints on Serial which
// slot and version runs, and why the update slot was refused), maps that model,
// registers its ops, builds the interpreter and checks that its tensors match
// model_settings.h (shapes, int8 input, quantization). An update model that passes its
// slot check but does not fit this firmware is dropped for the built-in one. Prints
// the reason on Serial (MicroPrintf) and returns false when no model can run: the
// built-in slot failed its check, or the built-in model does not fit.
bool ModelRunnerBegin(ModelInfo* info);

// Adds one frame (kFeatureChannels int8 values). Returns 1 after the model ran
// (every kStrideFrames-th frame; kKeywordCount scores written to `scores`), 0 when
// more frames are needed, or -1 when Invoke() failed.
int ModelRunnerPushFrame(const int8_t* frame, uint8_t* scores);

// Starts a new stream: a fresh interpreter (streaming state as after loading,
// like Python's ModelRunner.reset()) and no buffered frames.
bool ModelRunnerReset();

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_MODEL_RUNNER_H_
