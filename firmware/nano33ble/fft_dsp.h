// The microfrontend's real FFT (kissfft's 16-bit fixed point, as TFLite Micro and pymicro-features
// run it) computed with the Cortex-M4's SIMD instructions: one complex value is one 32-bit word, and
// every rounding, truncation and wrap of kissfft's C is kept, so the spectrum is bit for bit kissfft's.
// fft_dsp.cpp also defines the microfrontend's FftCompute, FftInit and FftReset (fft.h) in place of
// its fft.cc, which the firmware does not compile.
#ifndef WAKEWORD_SKETCH_FFT_DSP_H_
#define WAKEWORD_SKETCH_FFT_DSP_H_

#include <stddef.h>
#include <stdint.h>

#include "tensorflow/lite/experimental/microfrontend/lib/fft.h"

namespace wakeword_sketch {

// True when this build runs the Cortex-M4's DSP instructions (the ACLE intrinsics); false where the
// same arithmetic runs in portable C (the host tests of the algorithm).
bool FftUsesDspInstructions();

// The spectrum of `fft_size` real samples (`input`, its imaginary-free time signal) into
// `fft_size / 2 + 1` bins, with the kissfft state `kiss_fftr_cfg` (FftState::scratch, from
// FftPopulateState). Returns false, writing nothing, when the state is not one this code handles
// (a forward transform whose complex half is a power of 4, at most 4^7, with kissfft's radix-4
// factors); FftCompute then calls kissfft.
bool RealFftDsp(void* kiss_fftr_cfg, size_t fft_size, const int16_t* input, complex_int16_t* output);

}  // namespace wakeword_sketch

#endif  // WAKEWORD_SKETCH_FFT_DSP_H_
