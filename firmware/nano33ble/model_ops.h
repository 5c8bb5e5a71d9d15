// The TFLite Micro kernels the model needs, registered from the generated list.
//
// src/model_settings.h (generated from the manifest's "ops") defines the X-macro
// WAKEWORD_MODEL_OPS(X), one X(AddConv2D)-style entry per op, and kOpCount.
// model_runner.cpp passes a tflite::MicroMutableOpResolver<kOpCount> here, so
// the resolver holds exactly the model's ops: no AllOpsResolver, no hand-kept list.
//
// A template over the resolver type, without TFLite Micro headers, so that
// tests/test_firmware_sketch.py can run this very function on the host with a
// recording resolver and compare the result with the model's op list.

#ifndef WAKEWORD_NANO33BLE_MODEL_OPS_H_
#define WAKEWORD_NANO33BLE_MODEL_OPS_H_

#include "src/model_settings.h"

namespace wakeword_sketch {

// Calls resolver.AddXxx() for every op of the model, in manifest order.
// Returns the number of registrations that failed (0 on success); TFLite Micro's
// Add* methods return kTfLiteOk (0) on success.
template <typename Resolver>
int RegisterModelOps(Resolver& resolver) {
  int failures = 0;
#define WAKEWORD_REGISTER_OP(add_method) \
  if (static_cast<int>(resolver.add_method()) != 0) ++failures;
  WAKEWORD_MODEL_OPS(WAKEWORD_REGISTER_OP)
#undef WAKEWORD_REGISTER_OP
  return failures;
}

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_MODEL_OPS_H_
