// What the sketch's DSP replacements' tests share (test/fft_dsp_test.cc, window_dsp_test.cc,
// filterbank_dsp_test.cc): one line of output, on the host (stdout) or on the emulated Cortex-M4F
// (semihosting), and a seeded xorshift generator, so both runs draw the same cases.
#ifndef WAKEWORD_FIRMWARE_TEST_DSP_TEST_UTIL_H_
#define WAKEWORD_FIRMWARE_TEST_DSP_TEST_UTIL_H_

#include <stdint.h>
#include <stdio.h>

#ifdef __arm__
extern "C" void semihost_write0(const char* text);
inline void Say(const char* text) { semihost_write0(text); }
#else
inline void Say(const char* text) { fputs(text, stdout); }
#endif

// xorshift64: 64 random bits a call (NextWord: the high 32 of them)
class Xorshift {
 public:
  explicit Xorshift(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  uint32_t NextWord() { return static_cast<uint32_t>(Next() >> 32); }

 private:
  uint64_t state_;
};

#endif  // WAKEWORD_FIRMWARE_TEST_DSP_TEST_UTIL_H_
