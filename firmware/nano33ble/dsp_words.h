// What the sketch's DSP code shares (fft_dsp.cpp, window_dsp.cpp, filterbank_dsp.cpp, op_resolver.cpp):
// whether this build runs the Cortex-M4's DSP instructions (written as inline assembly: the Arduino
// mbed core's GCC 7 has no SIMD32 intrinsics), and 32-bit words read and written at any address
// (one LDR/STR on the M4, without C's aliasing trouble), and the two int16 halves of such a word for
// the portable C that stands for the DSP instructions off the M4.
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

// the low and the high int16 of a word (the first and second sample, or a complex value's real and
// imaginary part), and a word of two values cut to their low 16 bits, as an int16 store cuts them
inline int32_t Low16(uint32_t w) { return static_cast<int16_t>(w & 0xFFFFu); }
inline int32_t High16(uint32_t w) { return static_cast<int16_t>(w >> 16); }
inline uint32_t Pack16(int32_t lo, int32_t hi) {
  return (static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16);
}

}  // namespace wakeword_sketch

#endif  // WAKEWORD_SKETCH_DSP_WORDS_H_
