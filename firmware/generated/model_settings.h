// Generated from alexa 0.8.1 manifest.json by training/export.py. Do not edit.
#pragma once
#include <cstdint>

namespace wakeword_model {
constexpr int kSampleRateHz = 16000;
constexpr int kWindowMs = 30;
constexpr int kStepMs = 10;
constexpr int kFeatureChannels = 40;
// the tflm_microfrontend tuning (wakeword.features.TFLM_FRONTEND_TUNING) and feature scale
constexpr float kFrontendLowerBandHz = 125.0f;
constexpr float kFrontendUpperBandHz = 7500.0f;
constexpr int kFrontendNoiseSmoothingBits = 10;
constexpr float kFrontendNoiseEvenSmoothing = 0.025f;
constexpr float kFrontendNoiseOddSmoothing = 0.06f;
constexpr float kFrontendNoiseMinSignalRemaining = 0.05f;
constexpr int kFrontendPcanEnable = 1;
constexpr float kFrontendPcanStrength = 0.95f;
constexpr float kFrontendPcanOffset = 80.0f;
constexpr int kFrontendPcanGainBits = 21;
constexpr int kFrontendLogEnable = 1;
constexpr int kFrontendLogScaleShift = 6;
constexpr double kFeatureRawPerUnit = 25.6;
constexpr int kStrideFrames = 3;
constexpr int kReceptiveFieldFrames = 137;
constexpr int kKeywordCount = 1;
constexpr const char* kKeywords[kKeywordCount] = {"alexa"};
constexpr float kInputScale = 0.10049019753932953f;
constexpr int kInputZeroPoint = -128;
constexpr float kOutputScale = 0.00390625f;
constexpr int kOutputZeroPoint = 0;
constexpr uint8_t kDetectionThreshold = 210;
constexpr int kDetectionWindow = 20;
constexpr uint32_t kRefractoryMs = 2000;
constexpr int kFastWindow = 0;  // 0: no fast path
constexpr int kFastMargin = 0;
constexpr int kTensorArenaBytes = 17664;
constexpr int kModelBytes = 37872;
constexpr long kMacsPerInference = 15240;
constexpr int kOpCount = 12;
}  // namespace wakeword_model

// X-macro of the MicroMutableOpResolver registrations the model needs.
#define WAKEWORD_MODEL_OPS(X) \
  X(AddAssignVariable) \
  X(AddCallOnce) \
  X(AddConcatenation) \
  X(AddConv2D) \
  X(AddDepthwiseConv2D) \
  X(AddFullyConnected) \
  X(AddLogistic) \
  X(AddQuantize) \
  X(AddReadVariable) \
  X(AddReshape) \
  X(AddSlice) \
  X(AddVarHandle) \

