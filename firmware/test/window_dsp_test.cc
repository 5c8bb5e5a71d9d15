// The sketch's window step (nano33ble/window_dsp.cpp) against the microfrontend's window.cc, which
// it must equal bit for bit: the test links window.cc with its functions renamed (Ref...) and feeds
// both the same samples in random chunks. Compared after every call: the return value, the samples
// read, the windowed output, the largest magnitude, and the state (the kept input and its count).
// Random full-scale samples with the frontend's Hann window (480 samples, step 160) and others
// (odd sizes, a step equal to the size), random coefficients up to 4096 (Q12 one), and the corner
// -32768 * 4096, whose magnitude wraps to -32768 in window.cc and so never counts.
// On the host (window-host-test: portable C, sanitizers) and on the emulated Cortex-M4F
// (m4_window.elf in m4-check: the SIMD instructions). Prints one line and exits 0 when all agree.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp_test_util.h"
#include "tensorflow/lite/experimental/microfrontend/lib/window.h"
#include "tensorflow/lite/experimental/microfrontend/lib/window_util.h"

extern "C" int RefWindowProcessSamples(struct WindowState* state, const int16_t* samples, size_t num_samples,
                                       size_t* num_samples_read);

namespace {

Xorshift g_random(88172645u);
uint32_t Next() { return g_random.NextWord(); }

char g_line[200];

WindowState Make(size_t size, size_t step, const int16_t* coefficients) {
  WindowState s;
  s.size = size;
  s.step = step;
  s.coefficients = static_cast<int16_t*>(malloc(size * sizeof(int16_t)));
  memcpy(s.coefficients, coefficients, size * sizeof(int16_t));
  s.input = static_cast<int16_t*>(calloc(size, sizeof(int16_t)));
  s.output = static_cast<int16_t*>(calloc(size, sizeof(int16_t)));
  s.input_used = 0;
  s.max_abs_output_value = 0;
  return s;
}

void Free(WindowState* s) {
  free(s->coefficients);
  free(s->input);
  free(s->output);
}

// `calls` random chunks of `kind` samples (0 random full scale, 1 extremes, 2 quiet) through both;
// returns the number of calls that differ.
int Run(size_t size, size_t step, const int16_t* coefficients, int calls, int kind, int* windows) {
  WindowState mine = Make(size, step, coefficients), ref = Make(size, step, coefficients);
  int16_t chunk[1024];
  int wrong = 0;
  for (int c = 0; c < calls; ++c) {
    const size_t n = Next() % (2 * size);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = Next();
      chunk[i] = kind == 0 ? static_cast<int16_t>(r >> 16)
                 : kind == 1 ? static_cast<int16_t>((r & 3) == 0 ? -32768 : (r & 3) == 1 ? 32767 : (r & 3) == 2 ? -32767 : 0)
                             : static_cast<int16_t>(static_cast<int16_t>(r >> 16) >> 10);
    }
    size_t read_mine = 9999, read_ref = 7777;
    const int got_mine = WindowProcessSamples(&mine, chunk, n, &read_mine);
    const int got_ref = RefWindowProcessSamples(&ref, chunk, n, &read_ref);
    *windows += got_ref;
    const bool same = got_mine == got_ref && read_mine == read_ref && mine.input_used == ref.input_used &&
                      mine.max_abs_output_value == ref.max_abs_output_value &&
                      memcmp(mine.input, ref.input, size * sizeof(int16_t)) == 0 &&
                      memcmp(mine.output, ref.output, size * sizeof(int16_t)) == 0;
    if (!same) {
      ++wrong;
      snprintf(g_line, sizeof g_line, "DIFFERS: size %d step %d kind %d call %d: max %d, window.cc %d\n",
               static_cast<int>(size), static_cast<int>(step), kind, c, mine.max_abs_output_value,
               ref.max_abs_output_value);
      Say(g_line);
      break;
    }
  }
  Free(&mine);
  Free(&ref);
  return wrong;
}

}  // namespace

int main() {
  int wrong = 0, windows = 0, cases = 0;
  // the frontend's window, as FrontendPopulateState makes it (30 ms at 16 kHz, 10 ms step)
  WindowConfig config;
  WindowFillConfigWithDefaults(&config);
  WindowState hann;
  if (!WindowPopulateState(&config, &hann, 16000)) {
    Say("FAIL: WindowPopulateState\n");
    return 1;
  }
  for (int kind = 0; kind < 3; ++kind, ++cases) wrong += Run(hann.size, hann.step, hann.coefficients, 60, kind, &windows);
  WindowFreeStateContents(&hann);
  // other sizes and steps, random coefficients in Q12 (0..4096), 4096 where the extremes meet it
  const size_t shapes[][2] = {{480, 160}, {481, 160}, {7, 3}, {64, 64}, {401, 1}};
  int16_t coefficients[481];
  for (const auto& shape : shapes) {
    for (int kind = 0; kind < 3; ++kind, ++cases) {
      for (size_t i = 0; i < shape[0]; ++i) coefficients[i] = static_cast<int16_t>(Next() % 3 == 0 ? 4096 : Next() % 4097);
      wrong += Run(shape[0], shape[1], coefficients, 40, kind, &windows);
    }
  }
  snprintf(g_line, sizeof g_line, "window: %d cases, %d windows compared with window.cc, %d differ\n%s\n", cases,
           windows, wrong, wrong == 0 && windows > 0 ? "PASS: the sketch's window" : "FAIL: the sketch's window");
  Say(g_line);
  return wrong == 0 && windows > 0 ? 0 : 1;
}
