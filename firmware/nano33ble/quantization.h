// Integer conversions at the two edges of the model, bit-exact with Python.
//
// Input: the microfrontend's raw uint16 features become int8 model inputs as in
// wakeword.model.input_lookup_table():
//
//     q = clip(round_half_even(raw / 25.6 / input_scale) + input_zero_point, -128, 127)
//
// evaluated in IEEE double precision, exactly as numpy does. Doubles are software
// arithmetic on the Cortex-M4F (its FPU is single precision), so instead of two
// double divisions per value FeatureQuantizer::Init() evaluates the formula once
// per output level: q(raw) never decreases as raw grows, so it is fully described
// by the 255 raw values at which it steps up (1 KB of RAM). Quantize() is then a
// binary search over that table (8 comparisons) and gives, for every raw value,
// the same int8 as the Python lookup table (tests/test_firmware_sketch.py checks
// all 65536 values on the host).
//
// Output: model outputs become uint8 scores (probability * 256, saturated at 255)
// as in wakeword.model.ModelRunner._scores().
//
// No Arduino or TensorFlow Lite Micro dependency; no heap.

#ifndef WAKEWORD_NANO33BLE_QUANTIZATION_H_
#define WAKEWORD_NANO33BLE_QUANTIZATION_H_

#include <math.h>
#include <stdint.h>

namespace wakeword_sketch {

// Raw frontend units per float feature unit (pymicro-features divides by 25.6;
// wakeword.features.FEATURE_RAW_PER_UNIT).
constexpr double kFeatureRawPerUnit = 25.6;

// Round half to even of a finite double (numpy.rint in the default rounding mode),
// written out so that it does not depend on the C library's rounding mode.
inline double RoundHalfEven(double value) {
  const double lower = floor(value);
  const double fraction = value - lower;  // exact for |value| < 2**52
  if (fraction > 0.5) return lower + 1.0;
  if (fraction < 0.5) return lower;
  return fmod(lower, 2.0) == 0.0 ? lower : lower + 1.0;
}

// The quantization formula itself, in double precision (the reference for the table).
inline int QuantizeFeatureExact(uint16_t raw, double scale, int zero_point) {
  const double units = static_cast<double>(raw) / kFeatureRawPerUnit;
  const double q = RoundHalfEven(units / scale) + static_cast<double>(zero_point);
  if (q <= -128.0) return -128;
  if (q >= 127.0) return 127;
  return static_cast<int>(q);
}

class FeatureQuantizer {
 public:
  // Builds the step table for an int8 input tensor with this scale (the tensor's
  // float32 scale, widened to double as Python does) and zero point.
  // Returns false, leaving the quantizer unusable, for a scale that is not
  // positive and finite or a zero point outside int8.
  bool Init(float scale, int zero_point) {
    ready_ = false;
    const double s = static_cast<double>(scale);
    if (!(s > 0.0 && s < HUGE_VAL) || zero_point < -128 || zero_point > 127) return false;
    uint32_t lo = 0;  // first_raw_ never decreases: search from the previous step
    for (int i = 0; i < kLevels; ++i) {
      const int level = -127 + i;
      uint32_t hi = kRawValues;  // "no raw value reaches this level"
      while (lo < hi) {          // smallest raw in [lo, hi) with q(raw) >= level
        const uint32_t mid = lo + (hi - lo) / 2;
        if (QuantizeFeatureExact(static_cast<uint16_t>(mid), s, zero_point) >= level) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      first_raw_[i] = lo;
    }
    ready_ = true;
    return true;
  }

  bool ready() const { return ready_; }

  // The int8 model input for one raw frontend value (Init() must have succeeded).
  int8_t Quantize(uint16_t raw) const {
    int lo = 0;  // count the steps at or below raw
    int hi = kLevels;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (first_raw_[mid] <= raw) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return static_cast<int8_t>(-128 + lo);
  }

 private:
  static constexpr int kLevels = 255;           // steps from -128 up to 127
  static constexpr uint32_t kRawValues = 65536;  // raw values are uint16
  // first_raw_[i]: smallest raw value quantized to >= -127 + i (65536: none).
  uint32_t first_raw_[kLevels] = {};
  bool ready_ = false;
};

// uint8 score of a probability: clip(round_half_even(p * 256), 0, 255).
inline uint8_t ScoreFromProbability(double probability) {
  if (!(probability == probability)) return 0;  // NaN
  const double score = RoundHalfEven(probability * 256.0);
  if (score <= 0.0) return 0;
  if (score >= 255.0) return 255;
  return static_cast<uint8_t>(score);
}

// Score of a quantized (uint8 or int8) output value.
inline uint8_t ScoreFromQuantized(int32_t value, double scale, int zero_point) {
  return ScoreFromProbability((static_cast<double>(value) - static_cast<double>(zero_point)) * scale);
}

// Whether a uint8 output already is the score (scale 1/256 within 1e-6 relative,
// zero point 0): then its bytes are used as they are, like Python's ModelRunner.
inline bool OutputIsScore(bool output_is_uint8, double scale, int zero_point) {
  const double want = 1.0 / 256.0;
  const double larger = fabs(scale) > want ? fabs(scale) : want;
  return output_is_uint8 && zero_point == 0 && fabs(scale - want) <= 1e-6 * larger;
}

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_QUANTIZATION_H_
