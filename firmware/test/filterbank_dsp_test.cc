// The sketch's filterbank (nano33ble/filterbank_dsp.cpp) against the microfrontend's filterbank.cc,
// which it must equal bit for bit: the test links filterbank.cc with its functions renamed (Ref...).
// - FilterbankSqrt on 40-channel work arrays of values at every bit length up to 64, exact squares
//   and their neighbours (k^2 - 1, k^2, k^2 + k, k^2 + k + 1: the rounding's edge), the 2^32 border,
//   and the limits (0xFFFF^2 .. 2^32 - 1, 0xFFFFFFFF^2 .. 2^64 - 1), with every scale-down shift 0-7;
// - FilterbankConvertFftComplexToEnergy on random spectra and -32768 corners (the int32 sum wraps);
// - FilterbankAccumulateChannels with the frontend's 40-channel filterbank on random energies,
//   negative ones (wrapped sums) too.
// On the host (filterbank-host-test: portable C, sanitizers) and on the emulated Cortex-M4F
// (m4_filterbank.elf in m4-check). Prints one line and exits 0 when all agree.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp_test_util.h"
#include "tensorflow/lite/experimental/microfrontend/lib/filterbank.h"
#include "tensorflow/lite/experimental/microfrontend/lib/filterbank_util.h"

extern "C" {
void RefFilterbankConvertFftComplexToEnergy(struct FilterbankState* state, struct complex_int16_t* fft_output,
                                            int32_t* energy);
void RefFilterbankAccumulateChannels(struct FilterbankState* state, const int32_t* energy);
uint32_t* RefFilterbankSqrt(struct FilterbankState* state, int scale_down_shift);
}

namespace {

Xorshift g_random(0x9E3779B97F4A7C15ull);
uint64_t Next() { return g_random.Next(); }

constexpr int kChannels = 40;
char g_line[200];
uint64_t g_mine[kChannels + 1], g_ref[kChannels + 1];

// the value for slot i of a sqrt test array
uint64_t SqrtValue(int kind) {
  const uint64_t k = Next() >> (Next() % 33 + 31);  // a root of any size up to 2^33
  switch (kind) {
    case 0: return Next() >> (Next() % 64);       // any bit length
    case 1: return k * k - 1;                     // around exact squares (k may be 0: 2^64 - 1)
    case 2: return k * k;
    case 3: return k * k + k;                     // the rounding edge: n - r^2 == r
    case 4: return k * k + k + 1;
    case 5: return (uint64_t{1} << 32) + (Next() % 5) - 2;              // the 2^32 border
    case 6: return 0xFFFE0001ull + Next() % (0xFFFFFFFFull - 0xFFFE0001ull + 1);  // 0xFFFF^2 .. 2^32 - 1
    default: return 0xFFFFFFFE00000001ull + Next() % 0x1FFFFFFFFull;   // 0xFFFFFFFF^2 .. 2^64 - 1
  }
}

int SqrtCases(int arrays, int* values) {
  FilterbankState state = {};
  state.num_channels = kChannels;
  int wrong = 0;
  for (int a = 0; a < arrays; ++a) {
    for (int i = 0; i <= kChannels; ++i) g_mine[i] = SqrtValue(static_cast<int>((a + i) % 8));
    memcpy(g_ref, g_mine, sizeof g_ref);
    const int shift = a % 8;
    state.work = g_mine;
    const uint32_t* mine = FilterbankSqrt(&state, shift);
    state.work = g_ref;
    const uint32_t* ref = RefFilterbankSqrt(&state, shift);
    *values += kChannels;
    if (memcmp(mine, ref, kChannels * sizeof(uint32_t)) != 0) {
      ++wrong;
      for (int i = 0; i < kChannels; ++i) {
        if (mine[i] != ref[i]) {
          snprintf(g_line, sizeof g_line, "DIFFERS: sqrt, shift %d: %lu, filterbank.cc %lu\n", shift,
                   static_cast<unsigned long>(mine[i]), static_cast<unsigned long>(ref[i]));
          Say(g_line);
          break;
        }
      }
    }
  }
  return wrong;
}

int FilterbankCases(int frames) {
  FilterbankConfig config;
  FilterbankFillConfigWithDefaults(&config);
  config.num_channels = kChannels;
  FilterbankState mine = {}, ref = {};
  if (!FilterbankPopulateState(&config, &mine, 16000, 257) || !FilterbankPopulateState(&config, &ref, 16000, 257)) {
    Say("FAIL: FilterbankPopulateState\n");
    return 1;
  }
  complex_int16_t spectrum[257];
  int32_t energy_mine[257], energy_ref[257];
  int wrong = 0;
  for (int f = 0; f < frames; ++f) {
    const int kind = f % 3;
    for (int i = 0; i < 257; ++i) {
      const uint64_t r = Next();
      spectrum[i].real = kind == 1 ? static_cast<int16_t>((r & 1) ? -32768 : 32767) : static_cast<int16_t>(r >> 48);
      spectrum[i].imag = kind == 1 ? static_cast<int16_t>((r & 2) ? -32768 : 32767)
                                   : static_cast<int16_t>(static_cast<int16_t>(r >> 32) >> (kind == 2 ? 8 : 0));
    }
    memset(energy_mine, 0x11, sizeof energy_mine);
    memset(energy_ref, 0x11, sizeof energy_ref);
    FilterbankConvertFftComplexToEnergy(&mine, spectrum, energy_mine);
    RefFilterbankConvertFftComplexToEnergy(&ref, spectrum, energy_ref);
    if (memcmp(energy_mine, energy_ref, sizeof energy_mine) != 0) {
      ++wrong;
      Say("DIFFERS: FilterbankConvertFftComplexToEnergy\n");
    }
    FilterbankAccumulateChannels(&mine, energy_mine);
    RefFilterbankAccumulateChannels(&ref, energy_ref);
    if (memcmp(mine.work, ref.work, (kChannels + 1) * sizeof(uint64_t)) != 0) {
      ++wrong;
      Say("DIFFERS: FilterbankAccumulateChannels\n");
    }
    const int shift = f % 8;
    if (memcmp(FilterbankSqrt(&mine, shift), RefFilterbankSqrt(&ref, shift), kChannels * sizeof(uint32_t)) != 0) {
      ++wrong;
      Say("DIFFERS: FilterbankSqrt of a filterbank\n");
    }
  }
  FilterbankFreeStateContents(&mine);
  FilterbankFreeStateContents(&ref);
  return wrong;
}

}  // namespace

int main() {
  int values = 0;
  const int sqrt_wrong = SqrtCases(2000, &values);
  const int frames = 300;
  const int filterbank_wrong = FilterbankCases(frames);
  const bool ok = sqrt_wrong == 0 && filterbank_wrong == 0;
  snprintf(g_line, sizeof g_line,
           "filterbank: %d square roots and %d spectra through the filterbank compared with filterbank.cc, %d differ\n%s\n",
           values, frames, sqrt_wrong + filterbank_wrong, ok ? "PASS: the sketch's filterbank" : "FAIL: the sketch's filterbank");
  Say(g_line);
  return ok ? 0 : 1;
}
