// Model-health counters on the board: a bit-exact port of wakeword.health.HealthCounters.
//
// What a product needs to see drift, never audio, features or the score of a moment:
// seconds listened, detections, near misses (an excursion of the full detector window's mean
// to within near_miss_margin below the threshold that ended without a detection, counted when
// it ends, at most once per refractory period), dropped
// audio in ms, and two histograms over seconds: the highest window mean of the first
// keyword (16 bins of 16) and the RMS level (10 bins of 10 dB, from -100 dBFS). A second
// closes when its 16,000th sample arrives. Counts saturate at 2^32 - 1.
//
// Events in the order they happen: OnCall() after each model call, OnAudio() for each block
// of samples, AddDroppedMs(), NewStream() when the feature stream restarts. The golden
// vectors in tests/vectors/health_*.txt are replayed through this and the Python reference.
// Serialize() writes the fixed kHealthPayloadBytes payload the BLE "health" characteristic
// carries (layout in health_layout.h, generated from wakeword/health.py).
//
// Fixed memory (about 300 bytes), no heap, no exceptions, no Arduino.

#ifndef WAKEWORD_FIRMWARE_SRC_HEALTH_H_
#define WAKEWORD_FIRMWARE_SRC_HEALTH_H_

#include <stddef.h>
#include <stdint.h>

#include "health_layout.h"

namespace wakeword {

enum HealthStatus : int {
  kHealthOk = 0,
  kHealthBadSettings = -1,    // Init(): threshold 1..255, window 1..255, margin 1..254
  kHealthBufferTooSmall = -2, // Serialize(): capacity < kHealthPayloadBytes (or a null pointer)
};

class HealthCounters {
 public:
  constexpr HealthCounters() = default;

  // Configures and zeroes every counter. Returns kHealthOk or kHealthBadSettings.
  int Init(int threshold, int window, uint32_t refractory_ms,
           int near_miss_margin = kHealthNearMissMargin);

  // The detector restarted: its window and the partial second are dropped, counts kept.
  void NewStream();

  // One model call: the first keyword's score at stream time t_ms, and how many keywords
  // were detected at this call (a detection restarts the window and a refractory period).
  void OnCall(uint8_t score, uint32_t t_ms, int detections);

  // A block of audio samples.
  void OnAudio(const int16_t* samples, uint32_t count);

  // Audio the microphone lost.
  void AddDroppedMs(uint32_t milliseconds);

  // Writes the payload; returns its size or kHealthBufferTooSmall.
  int Serialize(uint8_t* out, size_t capacity) const;

  uint32_t detections() const { return detections_; }
  uint32_t near_misses() const { return near_misses_; }
  uint32_t seconds() const;

 private:
  static void Add(uint32_t* counter, uint32_t amount);

  int threshold_ = 0;
  int window_ = 0;
  uint32_t refractory_ms_ = 0;
  int margin_ = kHealthNearMissMargin;

  uint8_t ring_[255] = {};
  int ring_pos_ = 0;
  int ring_count_ = 0;
  uint32_t ring_sum_ = 0;
  bool in_band_ = false;
  int64_t near_until_ms_ = -1;
  int64_t band_start_ms_ = -1;

  uint32_t second_samples_ = 0;
  uint64_t second_energy_ = 0;
  int second_peak_ = 0;

  uint64_t samples_ = 0;
  uint32_t detections_ = 0;
  uint32_t near_misses_ = 0;
  uint32_t dropped_ms_ = 0;
  uint32_t peak_histogram_[kHealthPeakBins] = {};
  uint32_t level_histogram_[kHealthLevelBins] = {};
};

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_HEALTH_H_
