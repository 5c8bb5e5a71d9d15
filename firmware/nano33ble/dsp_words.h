// What the sketch's DSP code shares (fft_dsp.cpp, window_dsp.cpp, filterbank_dsp.cpp, op_resolver.cpp):
// whether this build runs the Cortex-M4's DSP instructions (written as inline assembly: the Arduino
// mbed core's GCC 7 has no SIMD32 intrinsics), and 32-bit words read and written at any address
// (one LDR/STR on the M4, without C's aliasing trouble).
#ifndef WAKEWORD_SKETCH_DSP_WORDS_H_
#define WAKEWORD_SKETCH_DSP_WORDS_H_

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
#define WAKEWORD_SKETCH_DSP 1
#else
#define WAKEWORD_SKETCH_DSP 0
#endif

namespace wakeword_sketch {

inline uint32_t LoadWord(const void* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

inline void StoreWord(void* p, uint32_t v) { memcpy(p, &v, sizeof v); }

}  // namespace wakeword_sketch

#endif  // WAKEWORD_SKETCH_DSP_WORDS_H_
