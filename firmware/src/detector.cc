#include "detector.h"

namespace wakeword {

int StreamingDetector::Init(int keyword_count, const uint8_t* thresholds,
                            int window, uint32_t refractory_ms,
                            int fast_window, int fast_margin) {
  keyword_count_ = 0;  // stays unusable unless every setting is valid
  if (thresholds == nullptr ||
      !DetectorSettingsValid(keyword_count, window, refractory_ms) ||
      !FastPathValid(window, fast_window, fast_margin)) {
    return kDetectorBadSettings;
  }
  for (int k = 0; k < keyword_count; ++k) {
    if (!ThresholdValid(thresholds[k])) return kDetectorBadSettings;
  }
  window_ = window;
  fast_window_ = fast_window;
  fast_margin_ = fast_margin;
  refractory_ms_ = refractory_ms;
  for (int k = 0; k < keyword_count; ++k) {
    keywords_[k].threshold = thresholds[k];
  }
  keyword_count_ = keyword_count;
  Reset();
  return kDetectorOk;
}

int StreamingDetector::SetThreshold(int keyword, uint8_t threshold) {
  if (keyword < -1 || keyword >= keyword_count_ || !ThresholdValid(threshold)) {
    return kDetectorBadArgument;
  }
  for (int k = 0; k < keyword_count_; ++k) {
    if (keyword == -1 || keyword == k) keywords_[k].threshold = threshold;
  }
  return kDetectorOk;
}

void StreamingDetector::Reset() {
  for (int k = 0; k < keyword_count_; ++k) {
    ClearWindow(&keywords_[k]);
    keywords_[k].refractory_until_ms = 0;
  }
  last_t_ms_ = 0;
  has_last_t_ms_ = false;
}

void StreamingDetector::ClearWindow(KeywordState* state) {
  for (int i = 0; i < window_; ++i) state->ring[i] = 0;
  state->pos = 0;
  state->count = 0;
  state->sum = 0;
  state->fast_sum = 0;
}

int StreamingDetector::Push(const uint8_t* scores, uint32_t t_ms,
                            Detection* out, int max_out) {
  if (keyword_count_ == 0) return kDetectorNotInitialized;
  if (scores == nullptr || out == nullptr || max_out < keyword_count_) {
    return kDetectorBadArgument;
  }
  if (has_last_t_ms_ && t_ms <= last_t_ms_) return kDetectorTimeNotIncreasing;
  last_t_ms_ = t_ms;
  has_last_t_ms_ = true;

  const uint32_t window = static_cast<uint32_t>(window_);
  const uint32_t fast = static_cast<uint32_t>(fast_window_);
  int found = 0;
  for (int k = 0; k < keyword_count_; ++k) {
    KeywordState& state = keywords_[k];
    if (t_ms < state.refractory_until_ms) continue;
    const uint8_t score = scores[k];
    if (fast != 0) {  // the score leaving the newest-fast span (the overwritten one when fast == window)
      state.fast_sum = state.fast_sum + score - state.ring[(state.pos + window - fast) % window];
    }
    state.sum = state.sum + score - state.ring[state.pos];
    state.ring[state.pos] = score;
    state.pos = static_cast<uint8_t>((state.pos + 1u) % window);
    if (state.count < window) ++state.count;
    const uint32_t raised = static_cast<uint32_t>(state.threshold) + static_cast<uint32_t>(fast_margin_);
    const uint32_t fast_floor = raised < 255u ? raised : 255u;
    uint32_t mean;
    if (state.count == window && state.sum >= state.threshold * window) {
      mean = state.sum / window;
    } else if (fast != 0 && state.count >= fast && state.fast_sum >= fast_floor * fast) {
      mean = state.fast_sum / fast;
    } else {
      continue;
    }
    out[found].keyword = k;
    out[found].t_ms = t_ms;
    out[found].score = static_cast<uint8_t>(mean);
    ++found;
    ClearWindow(&state);
    state.refractory_until_ms = static_cast<uint64_t>(t_ms) + refractory_ms_;
  }
  return found;
}

}  // namespace wakeword
