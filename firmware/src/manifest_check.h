// Limits of the firmware detector and a compile-time check of detector settings.
//
// The settings come from the model manifest (manifest.json -> "detector" and
// "keywords"), turned into constants in firmware/generated/model_settings.h. The
// ranges below are those of wakeword.config.DetectorConfig (tests/test_firmware_host.py
// checks that both sides agree); kMaxKeywords is a firmware-only memory bound.
//
// Use in a sketch:
//   static_assert(wakeword::DetectorSettingsValid(kKeywordCount, kDetectorWindow,
//                                                 kDetectorRefractoryMs),
//                 "model_settings.h: detector settings exceed the firmware limits");

#ifndef WAKEWORD_FIRMWARE_SRC_MANIFEST_CHECK_H_
#define WAKEWORD_FIRMWARE_SRC_MANIFEST_CHECK_H_

#include <stdint.h>

namespace wakeword {

// Most keywords (model outputs) one StreamingDetector tracks.
constexpr int kMaxKeywords = 8;
// Largest smoothing window (number of model scores averaged).
constexpr int kMaxWindow = 255;
// Threshold range on the window mean of uint8 scores.
constexpr int kMinThreshold = 1;
constexpr int kMaxThreshold = 255;
// Longest refractory period after a detection.
constexpr uint32_t kMaxRefractoryMs = 600000;

constexpr bool KeywordCountValid(int keyword_count) {
  return keyword_count >= 1 && keyword_count <= kMaxKeywords;
}

constexpr bool WindowValid(int window) {
  return window >= 1 && window <= kMaxWindow;
}

constexpr bool ThresholdValid(int threshold) {
  return threshold >= kMinThreshold && threshold <= kMaxThreshold;
}

constexpr bool RefractoryValid(uint32_t refractory_ms) {
  return refractory_ms <= kMaxRefractoryMs;
}

constexpr bool DetectorSettingsValid(int keyword_count, int window,
                                     uint32_t refractory_ms) {
  return KeywordCountValid(keyword_count) && WindowValid(window) &&
         RefractoryValid(refractory_ms);
}

// Largest margin of the fast path's threshold over the detector's.
constexpr int kMaxFastMargin = 254;

// The fast path: 0 (off) or 1..window newest scores, its margin in 0..254.
constexpr bool FastPathValid(int window, int fast_window, int fast_margin) {
  return fast_window >= 0 && fast_window <= window && fast_margin >= 0 &&
         fast_margin <= kMaxFastMargin;
}

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_MANIFEST_CHECK_H_
