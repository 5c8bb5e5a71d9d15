// The rounding rule of TFLite Micro's microfrontend square root (filterbank.cc's Sqrt32/Sqrt64),
// written once for the two fast versions of it: the Python extension's (csrc/wakeword_frontend.cc,
// floor(sqrt) from a double) and the sketch's (nano33ble/filterbank_dsp.cpp, from the Cortex-M4F's
// single-precision VSQRT). filterbank.cc finds floor(sqrt(n)) one bit at a time and then rounds up
// when the remainder n - r*r exceeds r, except at its return type's limit: Sqrt32 (taken below
// 2^32) returns uint16_t, so 0xFFFF stays 0xFFFF; Sqrt64 likewise at 0xFFFFFFFF.
// Checked against filterbank.cc itself by tests/test_features.py (the extension) and by
// firmware/test/filterbank_dsp_test.cc (the sketch, on the host and the emulated Cortex-M4F).

#ifndef WAKEWORD_FIRMWARE_SRC_FILTERBANK_SQRT_H_
#define WAKEWORD_FIRMWARE_SRC_FILTERBANK_SQRT_H_

#include <stdint.h>

namespace wakeword {

// floor(sqrt(n)) exactly, from an estimate r within a few units of it (from a float or double
// square root): integer corrections, so the result does not depend on the estimate's rounding.
inline uint64_t ExactFloorSqrt(uint64_t n, uint64_t r) {
  if (r > 0xFFFFFFFFull) r = 0xFFFFFFFFull;
  while (r * r > n) --r;
  while (r < 0xFFFFFFFFull && (r + 1) * (r + 1) <= n) ++r;
  return r;
}

// filterbank.cc's rounded square root of n, given floor_root = floor(sqrt(n)) exactly.
inline uint32_t FilterbankRoundedSqrt(uint64_t n, uint64_t floor_root) {
  const uint64_t limit = (n >> 32) == 0 ? 0xFFFFull : 0xFFFFFFFFull;
  if (n - floor_root * floor_root > floor_root && floor_root != limit) ++floor_root;
  return static_cast<uint32_t>(floor_root);
}

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_FILTERBANK_SQRT_H_
