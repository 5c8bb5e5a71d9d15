/* Copyright 2018 The TensorFlow Authors. All Rights Reserved.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
==============================================================================*/
// The microfrontend's filterbank.cc (csrc/microfrontend, the code pymicro-features runs) with its
// arithmetic on the Cortex-M4F's instructions, bit for bit filterbank.cc's; modified for this
// project (see below). The firmware compiles this file in place of filterbank.cc.
//
// - FilterbankConvertFftComplexToEnergy: real * real + imag * imag of one complex word is SMUAD
//   (the int32 sum wraps as filterbank.cc's does).
// - FilterbankAccumulateChannels: filterbank.cc multiplies an int16 weight by an int32 energy
//   converted to uint64, both sign-extended, modulo 2^64: that is a signed 32 x 32 -> 64-bit product,
//   SMLAL, accumulated modulo 2^64.
// - FilterbankSqrt: filterbank.cc's bit-by-bit square root (a quarter of a feature step) is
//   floor(sqrt(n)) with a rounding rule written once in src/filterbank_sqrt.h (the Python
//   extension's FastSqrt64, csrc/wakeword_frontend.cc, uses the same header). Here
//   floor(sqrt(n)) comes from the FPU's single-precision square root, one Newton step for n >= 2^32,
//   and then exact integer corrections, so the result does not depend on the float's rounding.
// test/filterbank_dsp_test.cc compares every function with filterbank.cc on the host and on the
// emulated Cortex-M4F.
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dsp_words.h"
#include "src/filterbank_sqrt.h"
#include "tensorflow/lite/experimental/microfrontend/lib/filterbank.h"


namespace {

// the FPU's square root (VSQRT.F32) where there is one: newlib's sqrtf adds error handling in double
inline float SquareRoot(float x) {
#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__thumb2__)
  float root;
  __asm__("vsqrt.f32 %0, %1" : "=t"(root) : "t"(x));
  return root;
#else
  return sqrtf(x);
#endif
}

// floor(sqrt(n)), exact for every uint64
uint32_t FloorSqrt(uint64_t n) {
  // (the float -> integer conversions stay 32-bit: the FPU converts those, while a float -> 64-bit
  // one is a library call through double arithmetic)
  uint64_t r;
  if ((n >> 32) == 0) {
    r = static_cast<uint32_t>(SquareRoot(static_cast<float>(static_cast<uint32_t>(n))));
  } else {
    const float estimate = SquareRoot(static_cast<float>(n));
    r = estimate >= 4294967040.0f ? 0xFFFFFFFFull : static_cast<uint32_t>(estimate);
    // one Newton step on the float estimate's error (about 2^-24 of r): r + (n - r^2) / 2r
    const int64_t error = static_cast<int64_t>(n - r * r);  // |error| < 2^42: exact in int64
    const int32_t step = static_cast<int32_t>(static_cast<float>(error) / (2.0f * static_cast<float>(r)));
    const int64_t corrected = static_cast<int64_t>(r) + step;
    r = corrected < 0 ? 0 : corrected > 0xFFFFFFFFll ? 0xFFFFFFFFull : static_cast<uint64_t>(corrected);
  }
  return static_cast<uint32_t>(wakeword::ExactFloorSqrt(n, r));
}

// filterbank.cc's Sqrt64 (with Sqrt32 below 2^32)
uint32_t Sqrt64(uint64_t n) { return wakeword::FilterbankRoundedSqrt(n, FloorSqrt(n)); }

}  // namespace

void FilterbankConvertFftComplexToEnergy(struct FilterbankState* state, struct complex_int16_t* fft_output,
                                         int32_t* energy) {
  const int end_index = state->end_index;
  energy += state->start_index;
  fft_output += state->start_index;
  for (int i = state->start_index; i < end_index; ++i) {
#if WAKEWORD_SKETCH_DSP
    int32_t sum;
    __asm__("smuad %0, %1, %1" : "=r"(sum) : "r"(wakeword_sketch::LoadWord(fft_output)));
    *energy++ = sum;
#else
    const int32_t real = fft_output->real;
    const int32_t imag = fft_output->imag;
    *energy++ = static_cast<int32_t>(static_cast<uint32_t>(real * real) + static_cast<uint32_t>(imag * imag));
#endif
    fft_output++;
  }
}

void FilterbankAccumulateChannels(struct FilterbankState* state, const int32_t* energy) {
  uint64_t* work = state->work;
  uint64_t weight_accumulator = 0;
  uint64_t unweight_accumulator = 0;
  const int16_t* channel_frequency_starts = state->channel_frequency_starts;
  const int16_t* channel_weight_starts = state->channel_weight_starts;
  const int16_t* channel_widths = state->channel_widths;
  const int num_channels_plus_1 = state->num_channels + 1;
  for (int i = 0; i < num_channels_plus_1; ++i) {
    const int32_t* magnitudes = energy + *channel_frequency_starts++;
    const int16_t* weights = state->weights + *channel_weight_starts;
    const int16_t* unweights = state->unweights + *channel_weight_starts++;
    const int width = *channel_widths++;
    for (int j = 0; j < width; ++j) {
      // (uint64)weight * (uint64)magnitude modulo 2^64, both sign-extended: the signed 64-bit product
      const int64_t magnitude = *magnitudes++;
      weight_accumulator += static_cast<uint64_t>(*weights++ * magnitude);
      unweight_accumulator += static_cast<uint64_t>(*unweights++ * magnitude);
    }
    *work++ = weight_accumulator;
    weight_accumulator = unweight_accumulator;
    unweight_accumulator = 0;
  }
}

uint32_t* FilterbankSqrt(struct FilterbankState* state, int scale_down_shift) {
  const int num_channels = state->num_channels;
  const uint64_t* work = state->work + 1;
  uint32_t* output = reinterpret_cast<uint32_t*>(state->work);  // reuses the work buffer, as filterbank.cc
  for (int i = 0; i < num_channels; ++i) *output++ = Sqrt64(*work++) >> scale_down_shift;
  return reinterpret_cast<uint32_t*>(state->work);
}

void FilterbankReset(struct FilterbankState* state) {
  memset(state->work, 0, (state->num_channels + 1) * sizeof(*state->work));
}
