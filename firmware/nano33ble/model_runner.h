// Model runner: int8 feature frames in, uint8 keyword scores out.
//
// A tflite::MicroInterpreter over the generated model (src/model_data.cc) with
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
  float input_scale;       // of the int8 input tensor (for the feature quantizer)
  int input_zero_point;
  size_t arena_used_bytes;  // what AllocateTensors() actually took of the arena
  int resource_variables;   // streaming state variables in the model
};

// Maps the model, registers its ops, builds the interpreter and checks that its
// tensors match model_settings.h (shapes, int8 input, quantization). Prints the
// reason on Serial (MicroPrintf) and returns false on any mismatch.
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
