// The sketch's FFT (nano33ble/fft_dsp.cpp) against kissfft's kiss_fftr, which it must equal bit for
// bit: on the host (fft-host-test, the portable arithmetic, with AddressSanitizer and UBSan) and on
// the emulated Cortex-M4F (m4_fft.elf in m4-check, the SIMD instructions). Every size the FFT
// handles up to 2048 points, and signals that reach every corner of kissfft's int16 arithmetic:
// random full-scale words, extremes (-32768, 32767, alternating), every impulse of the frontend's
// 512 points, sines at full scale, quiet noise. Sizes it does not handle must be refused (false),
// so that FftCompute falls back to kissfft; FftCompute itself must equal the microfrontend's
// (input shift, zero padding, kiss_fftr). Prints one line and exits 0 when all agree.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "dsp_test_util.h"
#include "fft_dsp.h"
#include "tensorflow/lite/experimental/microfrontend/lib/kiss_fft_int16.h"

namespace {

Xorshift g_random(2463534242u);
uint32_t Next() { return g_random.NextWord(); }

char g_line[240];
int g_cases = 0, g_wrong = 0;

kissfft_fixed16::kiss_fftr_cfg Alloc(int fft_size, int inverse) {
  size_t bytes = 0;
  kissfft_fixed16::kiss_fftr_alloc(fft_size, inverse, nullptr, &bytes);
  return kissfft_fixed16::kiss_fftr_alloc(fft_size, inverse, malloc(bytes), &bytes);
}

// One signal through both; `what` names it in a failure.
void Compare(kissfft_fixed16::kiss_fftr_cfg cfg, int fft_size, const int16_t* signal, const char* what) {
  const int bins = fft_size / 2 + 1;
  complex_int16_t* mine = static_cast<complex_int16_t*>(malloc(bins * sizeof(complex_int16_t)));
  kissfft_fixed16::kiss_fft_cpx* theirs =
      static_cast<kissfft_fixed16::kiss_fft_cpx*>(malloc(bins * sizeof(kissfft_fixed16::kiss_fft_cpx)));
  memset(mine, 0x5A, bins * sizeof(complex_int16_t));
  kissfft_fixed16::kiss_fftr(cfg, signal, theirs);
  ++g_cases;
  if (!wakeword_sketch::RealFftDsp(cfg, fft_size, signal, mine)) {
    ++g_wrong;
    snprintf(g_line, sizeof g_line, "REFUSED: %d points, %s\n", fft_size, what);
    Say(g_line);
  } else {
    for (int k = 0; k < bins; ++k) {
      if (mine[k].real != theirs[k].r || mine[k].imag != theirs[k].i) {
        ++g_wrong;
        snprintf(g_line, sizeof g_line, "DIFFERS: %d points, %s, bin %d: %d%+di, kissfft %d%+di\n", fft_size, what,
                 k, mine[k].real, mine[k].imag, theirs[k].r, theirs[k].i);
        Say(g_line);
        break;
      }
    }
  }
  free(mine);
  free(theirs);
}

void Signals(int fft_size, int random_frames) {
  kissfft_fixed16::kiss_fftr_cfg cfg = Alloc(fft_size, 0);
  int16_t* x = static_cast<int16_t*>(malloc(fft_size * sizeof(int16_t)));
  for (int f = 0; f < random_frames; ++f) {  // full-scale words, and quieter ones
    const int shift = f % 4 == 0 ? 0 : static_cast<int>(Next() % 14);
    for (int i = 0; i < fft_size; ++i) x[i] = static_cast<int16_t>(static_cast<int16_t>(Next() >> 16) >> shift);
    Compare(cfg, fft_size, x, "random");
  }
  const int16_t levels[] = {-32768, 32767, -32767, 1, -1, 0};
  for (int16_t level : levels) {
    for (int i = 0; i < fft_size; ++i) x[i] = level;
    Compare(cfg, fft_size, x, "constant");
    for (int i = 0; i < fft_size; ++i) x[i] = static_cast<int16_t>(i % 2 ? level : -32768);
    Compare(cfg, fft_size, x, "alternating");
  }
  for (int i = 0; i < fft_size; ++i) x[i] = static_cast<int16_t>(i % 2 ? 32767 : -32768);
  Compare(cfg, fft_size, x, "alternating extremes");
  const int impulses = fft_size <= 512 ? fft_size : 64;
  for (int at = 0; at < impulses; ++at) {
    memset(x, 0, fft_size * sizeof(int16_t));
    x[at] = at % 2 ? -32768 : 32767;
    Compare(cfg, fft_size, x, "impulse");
  }
  for (int bin = 0; bin <= fft_size / 2; bin += fft_size / 32 > 0 ? fft_size / 32 : 1) {  // full-scale sines
    for (int i = 0; i < fft_size; ++i) x[i] = static_cast<int16_t>(32767.0 * cos(6.283185307179586 * bin * i / fft_size));
    Compare(cfg, fft_size, x, "sine");
  }
  free(x);
  free(cfg);
}

// FftCompute against what the microfrontend's fft.cc does: shift, zero padding, kiss_fftr.
void FftComputeMatches(int input_size, int fft_size) {
  FftState state;
  state.fft_size = fft_size;
  state.input_size = input_size;
  state.input = static_cast<int16_t*>(malloc(fft_size * sizeof(int16_t)));
  state.output = static_cast<complex_int16_t*>(malloc((fft_size / 2 + 1) * sizeof(complex_int16_t)));
  state.scratch = Alloc(fft_size, 0);
  int16_t* samples = static_cast<int16_t*>(malloc(input_size * sizeof(int16_t)));
  int16_t* padded = static_cast<int16_t*>(malloc(fft_size * sizeof(int16_t)));
  kissfft_fixed16::kiss_fft_cpx* expected =
      static_cast<kissfft_fixed16::kiss_fft_cpx*>(malloc((fft_size / 2 + 1) * sizeof(kissfft_fixed16::kiss_fft_cpx)));
  for (int shift = 0; shift < 8; ++shift) {
    for (int i = 0; i < input_size; ++i) samples[i] = static_cast<int16_t>(static_cast<int16_t>(Next() >> 16) >> 5);
    memset(state.input + input_size, 0x33, (fft_size - input_size) * sizeof(int16_t));  // stale: must be zeroed
    FftCompute(&state, samples, shift);
    for (int i = 0; i < fft_size; ++i) {
      padded[i] = i < input_size ? static_cast<int16_t>(static_cast<uint16_t>(samples[i]) << shift) : 0;
    }
    kissfft_fixed16::kiss_fftr(static_cast<kissfft_fixed16::kiss_fftr_cfg>(state.scratch), padded, expected);
    ++g_cases;
    if (memcmp(state.output, expected, (fft_size / 2 + 1) * sizeof(complex_int16_t)) != 0) {
      ++g_wrong;
      snprintf(g_line, sizeof g_line, "DIFFERS: FftCompute, %d of %d points, shift %d\n", input_size, fft_size,
               shift);
      Say(g_line);
    }
  }
  free(expected);
  free(padded);
  free(samples);
  free(state.scratch);
  free(state.output);
  free(state.input);
}

}  // namespace

int main() {
  const int handled[] = {8, 32, 128, 512, 2048};
  for (int fft_size : handled) Signals(fft_size, fft_size == 512 ? 400 : 40);
  FftComputeMatches(480, 512);  // the frontend's 30 ms window at 16 kHz
  FftComputeMatches(400, 512);
  // sizes whose complex half is not a power of 4, and an inverse state: refused (kissfft runs them)
  int refused = 0;
  const int others[] = {16, 64, 256, 1024};
  complex_int16_t out[1024 / 2 + 1];
  int16_t zeros[1024] = {0};
  for (int fft_size : others) {
    kissfft_fixed16::kiss_fftr_cfg cfg = Alloc(fft_size, 0);
    refused += !wakeword_sketch::RealFftDsp(cfg, fft_size, zeros, out);
    free(cfg);
  }
  kissfft_fixed16::kiss_fftr_cfg inverse = Alloc(512, 1);
  refused += !wakeword_sketch::RealFftDsp(inverse, 512, zeros, out);
  free(inverse);
  kissfft_fixed16::kiss_fftr_cfg forward = Alloc(512, 0);
  refused += !wakeword_sketch::RealFftDsp(forward, 256, zeros, out);  // a size that is not the state's
  refused += !wakeword_sketch::RealFftDsp(nullptr, 512, zeros, out);
  free(forward);
  const bool ok = g_wrong == 0 && refused == 7;
  snprintf(g_line, sizeof g_line,
           "fft: %d transforms compared with kissfft (%s arithmetic), %d differ; %d of 7 unsupported states "
           "refused\n%s\n",
           g_cases, wakeword_sketch::FftUsesDspInstructions() ? "Cortex-M4 SIMD" : "portable", g_wrong, refused,
           ok ? "PASS: the sketch's FFT" : "FAIL: the sketch's FFT");
  Say(g_line);
  return ok ? 0 : 1;
}
