// The microfrontend's window step (window.cc: WindowProcessSamples, WindowReset) with the window
// applied to two samples at a time on the Cortex-M4's SIMD instructions, bit for bit window.cc's.
// The firmware compiles this file in place of window.cc (as fft_dsp.cpp replaces fft.cc).
//
// window.cc computes, per sample, v = (input * coefficient) >> 12 stored as int16 (the Hann window
// in Q12: |v| <= 32768, so nothing is cut), and the largest |v| as int16, where -(-32768) stays
// -32768 and so never counts. Here a pair of samples is one 32-bit word:
//   the products         SMULBB, SMULTT: exact in 32 bits
//   >> 12, int16 store    ASR and PKHBT (the high half: bits 12..27 of its product)
//   |v| with int16 wrap  SSUB16 from 0 (GE set where 0 - v >= 0), SEL
//   the running maximum  SSUB16 (GE set where |v| - max >= 0), SEL; the two lanes' larger at the end
// On other targets (the host tests) the same steps run in C. test/window_dsp_test.cc compares it
// with window.cc on the host and on the emulated Cortex-M4F.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsp_words.h"
#include "tensorflow/lite/experimental/microfrontend/lib/window.h"

namespace {

typedef uint32_t Pair;  // two int16 samples as the M4 loads them: the first in the low half

using wakeword_sketch::High16;
using wakeword_sketch::LoadWord;
using wakeword_sketch::Low16;
using wakeword_sketch::Pack16;
using wakeword_sketch::StoreWord;

#if WAKEWORD_SKETCH_DSP
inline Pair Windowed(Pair x, Pair c) {
  int32_t lo, hi;
  Pair out;
  __asm__("smulbb %0, %1, %2" : "=r"(lo) : "r"(x), "r"(c));
  __asm__("smultt %0, %1, %2" : "=r"(hi) : "r"(x), "r"(c));
  __asm__("pkhbt %0, %1, %2, lsl #4" : "=r"(out) : "r"(lo >> kFrontendWindowBits), "r"(hi));
  return out;
}
// |v| per lane with int16 wrap, then the per-lane maximum with `max` (the GE flags stay inside one asm)
inline Pair AbsMax(Pair v, Pair max) {
  Pair magnitude, larger;
  __asm__("ssub16 %0, %2, %1\n\tsel %0, %0, %1" : "=&r"(magnitude) : "r"(v), "r"(0u));
  __asm__("ssub16 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(larger) : "r"(magnitude), "r"(max));
  return larger;
}
#else
inline Pair Windowed(Pair x, Pair c) {
  return Pack16((Low16(x) * Low16(c)) >> kFrontendWindowBits, (High16(x) * High16(c)) >> kFrontendWindowBits);
}
inline int32_t AbsWrapped(int32_t v) { return static_cast<int16_t>(v < 0 ? -v : v); }
inline Pair AbsMax(Pair v, Pair max) {
  const int32_t lo = AbsWrapped(Low16(v)), hi = AbsWrapped(High16(v));
  return Pack16(lo >= Low16(max) ? lo : Low16(max), hi >= High16(max) ? hi : High16(max));
}
#endif

}  // namespace

int WindowProcessSamples(struct WindowState* state, const int16_t* samples, size_t num_samples,
                         size_t* num_samples_read) {
  const size_t size = state->size;
  size_t max_samples_to_copy = state->size - state->input_used;  // window.cc's filling, unchanged
  if (max_samples_to_copy > num_samples) max_samples_to_copy = num_samples;
  memcpy(state->input + state->input_used, samples, max_samples_to_copy * sizeof(*samples));
  *num_samples_read = max_samples_to_copy;
  state->input_used += max_samples_to_copy;
  if (state->input_used < state->size) return 0;

  const int16_t* coefficients = state->coefficients;
  const int16_t* input = state->input;
  int16_t* output = state->output;
  Pair max_pair = 0;
  size_t i = 0;
  for (; i + 2 <= size; i += 2) {
    const Pair v = Windowed(LoadWord(input + i), LoadWord(coefficients + i));
    StoreWord(output + i, v);
    max_pair = AbsMax(v, max_pair);
  }
  int16_t max_abs_output_value = static_cast<int16_t>(Low16(max_pair));
  const int16_t high = static_cast<int16_t>(High16(max_pair));
  if (high > max_abs_output_value) max_abs_output_value = high;
  for (; i < size; ++i) {  // an odd last sample, as window.cc computes it
    int16_t new_value = static_cast<int16_t>((static_cast<int32_t>(input[i]) * coefficients[i]) >> kFrontendWindowBits);
    output[i] = new_value;
    if (new_value < 0) new_value = static_cast<int16_t>(-new_value);
    if (new_value > max_abs_output_value) max_abs_output_value = new_value;
  }
  memmove(state->input, state->input + state->step, sizeof(*state->input) * (state->size - state->step));
  state->input_used -= state->step;
  state->max_abs_output_value = max_abs_output_value;
  return 1;
}

void WindowReset(struct WindowState* state) {
  memset(state->input, 0, state->size * sizeof(*state->input));
  memset(state->output, 0, state->size * sizeof(*state->output));
  state->input_used = 0;
  state->max_abs_output_value = 0;
}
