// Settings of the sketch, derived from the model's manifest, and the
// compile-time checks that the manifest fits this firmware.
//
// Every number that describes the model comes from src/model_settings.h, which
// training/export.py generates from manifest.json (firmware/tools/stage_sketch.py
// copies it into the sketch). Nothing here depends on Arduino or TensorFlow Lite
// Micro, so tests/test_firmware_sketch.py compiles this header on the host.

#ifndef WAKEWORD_NANO33BLE_SKETCH_CONFIG_H_
#define WAKEWORD_NANO33BLE_SKETCH_CONFIG_H_

#if __cplusplus < 201703L
#error "Build with C++17: arduino-cli compile --build-property compiler.cpp.extra_flags=-std=gnu++17 (see firmware/README.md)"
#endif

#include <stdint.h>

#include "src/manifest_check.h"
#include "src/model_settings.h"

namespace wakeword_sketch {

using namespace wakeword_model;  // kSampleRateHz, kStrideFrames, ... (generated)

// Audio samples per feature step (10 ms) and per feature window (30 ms).
constexpr int kStepSamples = kSampleRateHz * kStepMs / 1000;
constexpr int kWindowSamples = kSampleRateHz * kWindowMs / 1000;
// Feature frames per second of audio, and model invocations per second.
constexpr int kFramesPerSecond = 1000 / kStepMs;
// Elements of one model input tensor: kStrideFrames frames of kFeatureChannels.
constexpr int kModelInputElements = kStrideFrames * kFeatureChannels;

// Audio ring buffer between the PDM interrupt and loop(): 8192 samples = 512 ms
// at 16 kHz, so loop() may stall (BLE, Serial) for half a second without a gap.
constexpr uint32_t kAudioRingSamples = 8192;

// The microphone callback delivers DEFAULT_PDM_BUFFER_SIZE (512) bytes = 256
// samples at a time; its scratch copy holds up to this many samples.
constexpr int kPdmScratchSamples = 512;

// How long the RGB LED stays lit after a detection.
constexpr uint32_t kLedOnMs = 750;

// --- the manifest must fit this firmware --------------------------------------
//
// The microfrontend in feature_provider.cpp is configured exactly like
// pymicro-features (wakeword.features): these are the only values it supports,
// and wakeword.config.FeatureConfig rejects any other.
static_assert(kSampleRateHz == 16000, "model_settings.h: the PDM microphone runs at 16 kHz");
static_assert(kWindowMs == 30 && kStepMs == 10,
              "model_settings.h: the frontend uses a 30 ms window and a 10 ms step");
static_assert(kFeatureChannels == 40, "model_settings.h: the frontend has 40 channels");
static_assert(kStrideFrames >= 1 && kStrideFrames <= 100,
              "model_settings.h: stride_frames out of range");
static_assert(wakeword::DetectorSettingsValid(kKeywordCount, kDetectionWindow, kRefractoryMs),
              "model_settings.h: detector settings exceed the firmware limits (manifest_check.h)");
static_assert(wakeword::ThresholdValid(kDetectionThreshold),
              "model_settings.h: detection threshold outside 1..255");
static_assert(wakeword::FastPathValid(kDetectionWindow, kFastWindow, kFastMargin),
              "model_settings.h: the detector's fast path exceeds the firmware limits (manifest_check.h)");
static_assert(kInputScale > 0.0f, "model_settings.h: input scale must be positive");
static_assert(kInputZeroPoint >= -128 && kInputZeroPoint <= 127,
              "model_settings.h: the sketch feeds an int8 input tensor");
static_assert(kTensorArenaBytes > 0,
              "model_settings.h: tflm_arena_bytes is 0 (export the model with a measured arena)");
static_assert(kModelBytes > 0 && kOpCount >= 1, "model_settings.h: empty model");
static_assert(kPdmScratchSamples * 2 >= 512, "PDM scratch must hold one PDM buffer");
static_assert(kAudioRingSamples >= 4u * static_cast<uint32_t>(kPdmScratchSamples),
              "audio ring too small for the PDM callback");

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_SKETCH_CONFIG_H_
