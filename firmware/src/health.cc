#include "health.h"

namespace wakeword {

int HealthCounters::Init(int threshold, int window, uint32_t refractory_ms, int near_miss_margin) {
  if (threshold < 1 || threshold > 255 || window < 1 || window > 255 || near_miss_margin < 1 ||
      near_miss_margin > 254) {
    return kHealthBadSettings;
  }
  *this = HealthCounters();
  threshold_ = threshold;
  window_ = window;
  refractory_ms_ = refractory_ms;
  margin_ = near_miss_margin;
  return kHealthOk;
}

void HealthCounters::NewStream() {
  ring_pos_ = ring_count_ = 0;
  ring_sum_ = 0;
  in_band_ = false;
  near_until_ms_ = -1;
  band_start_ms_ = -1;
  second_samples_ = 0;
  second_energy_ = 0;
  second_peak_ = 0;
}

void HealthCounters::Add(uint32_t* counter, uint32_t amount) {
  *counter = (*counter > UINT32_MAX - amount) ? UINT32_MAX : *counter + amount;
}

uint32_t HealthCounters::seconds() const {
  const uint64_t s = samples_ / kHealthSamplesPerSecond;
  return s > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(s);
}

void HealthCounters::OnCall(uint8_t score, uint32_t t_ms, int detections) {
  if (window_ == 0) return;  // not initialized
  // the ring of the last window_ scores (partial windows too: their mean feeds the peak)
  if (ring_count_ == window_) ring_sum_ -= ring_[ring_pos_];
  else ++ring_count_;
  ring_[ring_pos_] = score;
  ring_sum_ += score;
  ring_pos_ = (ring_pos_ + 1) % window_;
  const int mean = static_cast<int>(ring_sum_ / static_cast<uint32_t>(ring_count_));
  if (mean > second_peak_) second_peak_ = mean;
  const bool near = mean >= threshold_ - margin_ && mean < threshold_ && ring_count_ == window_;
  if (detections > 0) {
    Add(&detections_, static_cast<uint32_t>(detections));
    ring_pos_ = ring_count_ = 0;
    ring_sum_ = 0;
    in_band_ = false;
    near_until_ms_ = static_cast<int64_t>(t_ms) + refractory_ms_;
    return;
  }
  if (near && !in_band_) {
    band_start_ms_ = t_ms;
  } else if (in_band_ && !near && band_start_ms_ >= near_until_ms_) {
    // the excursion into the band ended without a detection: one near miss
    Add(&near_misses_, 1);
    near_until_ms_ = static_cast<int64_t>(t_ms) + refractory_ms_;
  }
  in_band_ = near;
}

void HealthCounters::OnAudio(const int16_t* samples, uint32_t count) {
  if (samples == nullptr) return;
  samples_ += count;
  for (uint32_t i = 0; i < count; ++i) {
    const int64_t v = samples[i];
    second_energy_ += static_cast<uint64_t>(v * v);
    if (++second_samples_ == kHealthSamplesPerSecond) {
      int level = 0;
      while (level < kHealthLevelBins - 1 && second_energy_ >= kHealthLevelEnergy[level]) ++level;
      Add(&level_histogram_[level], 1);
      int peak = second_peak_ / kHealthPeakBinWidth;
      if (peak > kHealthPeakBins - 1) peak = kHealthPeakBins - 1;
      Add(&peak_histogram_[peak], 1);
      second_samples_ = 0;
      second_energy_ = 0;
      second_peak_ = 0;
    }
  }
}

void HealthCounters::AddDroppedMs(uint32_t milliseconds) { Add(&dropped_ms_, milliseconds); }

namespace {
uint8_t* PutU32(uint8_t* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) *out++ = static_cast<uint8_t>(v >> (8 * i));
  return out;
}
}  // namespace

int HealthCounters::Serialize(uint8_t* out, size_t capacity) const {
  if (out == nullptr || capacity < kHealthPayloadBytes) return kHealthBufferTooSmall;
  uint8_t* p = out;
  *p++ = kHealthPayloadVersion;
  *p++ = 0;  // flags
  *p++ = 0;  // reserved (u16)
  *p++ = 0;
  p = PutU32(p, seconds());
  p = PutU32(p, detections_);
  p = PutU32(p, near_misses_);
  p = PutU32(p, dropped_ms_);
  for (uint32_t v : peak_histogram_) p = PutU32(p, v);
  for (uint32_t v : level_histogram_) p = PutU32(p, v);
  return static_cast<int>(p - out);
}

}  // namespace wakeword
