// The integer detector: uint8 scores in, detections out.
//
// A bit-exact port of wakeword/detector.py (the reference algorithm); the
// golden vectors in tests/vectors/detector_*.txt are replayed through both. For
// each keyword, independently:
//
// 1. Scores arriving while t_ms < refractory_until_ms are dropped.
// 2. Otherwise the score enters a ring of the last `window` scores; `sum` is
//    their total (uint32 arithmetic).
// 3. When the ring is full and sum >= threshold * window the keyword is
//    detected with score = sum / window. With a fast path (fast_window k > 0),
//    fast_sum is the total of the newest k scores in the ring; when the ring
//    holds at least k scores and fast_sum >= min(threshold + fast_margin, 255) * k
//    (and the window's test fails) it is detected with score = fast_sum / k.
//    Either way the ring is emptied and refractory_until_ms = t_ms +
//    refractory_ms (kept in 64 bits, so it may end after the uint32 clock
//    wraps: such a keyword stays silent until Reset()).
//
// t_ms must strictly increase from one Push() to the next.
//
// Fixed memory (about 2.2 KB for kMaxKeywords x kMaxWindow), no heap, no
// exceptions; nothing here depends on Arduino or TensorFlow Lite Micro.

#ifndef WAKEWORD_FIRMWARE_SRC_DETECTOR_H_
#define WAKEWORD_FIRMWARE_SRC_DETECTOR_H_

#include <stdint.h>

#include "manifest_check.h"

namespace wakeword {

// Result codes; Init(), Push() and SetThreshold() return a negative one on failure.
enum DetectorStatus : int {
  kDetectorOk = 0,
  // t_ms went backwards or stood still; the push was ignored, state unchanged.
  kDetectorTimeNotIncreasing = -1,
  // Init() got settings outside the limits in manifest_check.h.
  kDetectorBadSettings = -2,
  // Push() before a successful Init().
  kDetectorNotInitialized = -3,
  // A null pointer, max_out < keyword_count(), or an unknown keyword index.
  kDetectorBadArgument = -4,
};

// A wake word event.
struct Detection {
  int keyword;     // index into the model's outputs (manifest "keywords" order)
  uint32_t t_ms;   // stream time of the triggering Push()
  uint8_t score;   // window mean of the uint8 scores at the trigger
};

class StreamingDetector {
 public:
  // An unusable detector; call Init() before Push().
  constexpr StreamingDetector() = default;

  // Configures the detector and clears all state.
  // thresholds: keyword_count values in 1..255 (one per keyword); fast_window
  // 0 (no fast path) or 1..window, fast_margin 0..254 (the fast path's threshold
  // is min(threshold + fast_margin, 255), so SetThreshold() moves it too).
  // Returns kDetectorOk or kDetectorBadSettings (and is then left uninitialized).
  int Init(int keyword_count, const uint8_t* thresholds, int window,
           uint32_t refractory_ms, int fast_window = 0,
           int fast_margin = 0);

  // Adds one model output (keyword_count() uint8 scores) at stream time t_ms.
  // Writes the detections, in keyword order, to out[0..n) and returns n >= 0,
  // or returns a negative DetectorStatus without changing any state.
  // `out` must have room for keyword_count() detections (max_out >= keyword_count()).
  int Push(const uint8_t* scores, uint32_t t_ms, Detection* out, int max_out);

  // Changes the threshold of one keyword (0..keyword_count()-1) or of all (-1);
  // the window contents are kept.
  int SetThreshold(int keyword, uint8_t threshold);

  // Forgets all scores, refractory periods and the last time seen.
  void Reset();

  int keyword_count() const { return keyword_count_; }
  int window() const { return window_; }
  int fast_window() const { return fast_window_; }
  int fast_margin() const { return fast_margin_; }
  uint32_t refractory_ms() const { return refractory_ms_; }
  uint8_t threshold(int keyword) const { return keywords_[keyword].threshold; }

 private:
  struct KeywordState {
    uint8_t ring[kMaxWindow];
    uint8_t threshold;
    uint8_t pos;    // next ring slot to overwrite
    uint8_t count;  // scores in the ring, up to window_
    uint32_t sum;
    uint32_t fast_sum;  // the newest fast_window_ scores of the ring
    uint64_t refractory_until_ms;  // 64 bits: t_ms + refractory_ms may pass 2**32
  };

  void ClearWindow(KeywordState* state);

  KeywordState keywords_[kMaxKeywords] = {};
  int keyword_count_ = 0;
  int window_ = 0;
  int fast_window_ = 0;
  int fast_margin_ = 0;
  uint32_t refractory_ms_ = 0;
  uint32_t last_t_ms_ = 0;
  bool has_last_t_ms_ = false;
};

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_DETECTOR_H_
