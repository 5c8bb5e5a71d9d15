// kissfft's 16-bit real FFT on the Cortex-M4's SIMD instructions, bit for bit (see fft_dsp.h).
//
// kissfft (csrc/microfrontend/kissfft, the code pymicro-features runs on the host) computes the
// 512-point real FFT of the frontend as a 256-point complex FFT of radix-4 butterflies, reached by
// recursion, and a split into the real spectrum. Here the same butterflies run stage by stage
// (each butterfly reads and writes only its own four values, so the order of the butterflies
// cannot change a result), the recursion's input reordering is a base-4 digit reversal, and each
// operation of kissfft's macros maps onto one or two instructions that compute exactly what the C
// computes with int16 values stored back into int16:
//
//   C_FIXDIV(c, 4)   x = (x * 8191 + 16384) >> 15, each half   SMLABB, SMLATB, then a pack
//   C_MUL(m, a, b)   ((ar*br - ai*bi) + 16384) >> 15,           SMLSD, SMLADX (accumulating the
//                    ((ar*bi + ai*br) + 16384) >> 15            rounding constant), then a pack
//   C_ADD / C_SUB    int16 sums, wrapping                       SADD16 / SSUB16 (not saturating)
//   butterfly's j-rotations (r + i', i - r') / (r - i', i + r') SSAX / SASX
//   HALF_OF(a + b)   the sum in 32 bits, then >> 1              SHADD16 / SHSUB16
//
// The pack keeps the low 16 bits of each rounded value, as kissfft's cast to int16 does. The same
// arithmetic in portable C (below) lets the host test the algorithm against kissfft; on the M4 the
// instructions run (inline assembly), and test/fft_dsp_test.cc compares both with kissfft (m4_fft.elf
// on the emulated Cortex-M4F).
#include "fft_dsp.h"

#include <string.h>

#include "dsp_words.h"
#include "tensorflow/lite/experimental/microfrontend/lib/kiss_fft_int16.h"

namespace kissfft_fixed16 {
// kissfft's private states, as _kiss_fft_guts.h (MAXFACTORS 32) and tools/kiss_fftr.cc define them;
// RealFftDsp checks what it reads (the sizes and the factors) before it uses them.
struct kiss_fft_state {
  int nfft;
  int inverse;
  int factors[2 * 32];
  kiss_fft_cpx twiddles[1];
};
struct kiss_fftr_state {
  kiss_fft_cfg substate;
  kiss_fft_cpx* tmpbuf;
  kiss_fft_cpx* super_twiddles;
};
}  // namespace kissfft_fixed16

namespace wakeword_sketch {
namespace {

// One complex int16 as the M4 loads it from memory: real part in the low half, imaginary in the high.
typedef uint32_t Cpx;

// The low 16 bits of `lo >> 15` and of `hi >> 15`, packed: kissfft's sround() and its int16 store.
// (hi << 1) has bits 15..30 of hi in its top half, which is (hi >> 15) stored as int16.
#if WAKEWORD_SKETCH_DSP
inline Cpx PackRounded(int32_t lo, int32_t hi) {  // PKHBT with its shift (GCC makes three instructions of the C)
  Cpx packed;
  __asm__("pkhbt %0, %1, %2, lsl #1" : "=r"(packed) : "r"(lo >> 15), "r"(hi));
  return packed;
}
#else
inline Cpx PackRounded(int32_t lo, int32_t hi) {
  return (static_cast<uint32_t>(lo >> 15) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 1 & 0xFFFF0000u);
}
#endif

#if WAKEWORD_SKETCH_DSP
#define WAKEWORD_DSP2(name, op)                                      \
  inline Cpx name(Cpx a, Cpx b) {                                    \
    Cpx r;                                                           \
    __asm__(op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));            \
    return r;                                                        \
  }
#define WAKEWORD_DSP3(name, op)                                      \
  inline int32_t name(Cpx a, Cpx b, int32_t c) {                     \
    int32_t r;                                                       \
    __asm__(op " %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c)); \
    return r;                                                        \
  }
WAKEWORD_DSP2(Add, "sadd16")
WAKEWORD_DSP2(Sub, "ssub16")
WAKEWORD_DSP2(AddSubX, "ssax")  // (a.r + b.i, a.i - b.r)
WAKEWORD_DSP2(SubAddX, "sasx")  // (a.r - b.i, a.i + b.r)
WAKEWORD_DSP2(HalvingAdd, "shadd16")
WAKEWORD_DSP2(HalvingSub, "shsub16")
WAKEWORD_DSP3(MulAddBB, "smlabb")  // c + a.lo * b.lo
WAKEWORD_DSP3(MulAddTB, "smlatb")  // c + a.hi * b.lo
WAKEWORD_DSP3(MulSubD, "smlsd")    // c + a.lo * b.lo - a.hi * b.hi
WAKEWORD_DSP3(MulAddDX, "smladx")  // c + a.lo * b.hi + a.hi * b.lo
#undef WAKEWORD_DSP2
#undef WAKEWORD_DSP3
// sround(x * k) of each half, k in the low half of `k`
inline Cpx ScaleRounded(Cpx x, Cpx k) { return PackRounded(MulAddBB(x, k, 1 << 14), MulAddTB(x, k, 1 << 14)); }
// kissfft's C_MUL
inline Cpx MulRounded(Cpx a, Cpx b) { return PackRounded(MulSubD(a, b, 1 << 14), MulAddDX(a, b, 1 << 14)); }
#else
// 32-bit sums as the M4 (and kissfft's int32 SAMPPROD on it) wrap them, without C's overflow
inline int32_t Wrap(int64_t x) { return static_cast<int32_t>(static_cast<uint32_t>(x)); }
inline Cpx Add(Cpx a, Cpx b) { return Pack16(Low16(a) + Low16(b), High16(a) + High16(b)); }
inline Cpx Sub(Cpx a, Cpx b) { return Pack16(Low16(a) - Low16(b), High16(a) - High16(b)); }
inline Cpx AddSubX(Cpx a, Cpx b) { return Pack16(Low16(a) + High16(b), High16(a) - Low16(b)); }
inline Cpx SubAddX(Cpx a, Cpx b) { return Pack16(Low16(a) - High16(b), High16(a) + Low16(b)); }
inline Cpx HalvingAdd(Cpx a, Cpx b) { return Pack16((Low16(a) + Low16(b)) >> 1, (High16(a) + High16(b)) >> 1); }
inline Cpx HalvingSub(Cpx a, Cpx b) { return Pack16((Low16(a) - Low16(b)) >> 1, (High16(a) - High16(b)) >> 1); }
inline Cpx ScaleRounded(Cpx x, Cpx k) {
  return PackRounded(Wrap(int64_t{Low16(x)} * Low16(k) + (1 << 14)), Wrap(int64_t{High16(x)} * Low16(k) + (1 << 14)));
}
inline Cpx MulRounded(Cpx a, Cpx b) {
  return PackRounded(Wrap(int64_t{Low16(a)} * Low16(b) - int64_t{High16(a)} * High16(b) + (1 << 14)),
                     Wrap(int64_t{Low16(a)} * High16(b) + int64_t{High16(a)} * Low16(b) + (1 << 14)));
}
#endif

// (r, -i), the negation wrapping in int16 as kissfft's `fpnk.i = - tmpbuf[ncfft-k].i` does
inline Cpx Conjugate(Cpx a) { return (a ^ 0xFFFF0000u) + 0x10000u; }
// (low half of a, high half of b)
inline Cpx LowHigh(Cpx a, Cpx b) { return (a & 0xFFFFu) | (b & 0xFFFF0000u); }

constexpr Cpx kDivBy4 = 32767 / 4;  // kissfft's C_FIXDIV(c, 4): SAMP_MAX / 4
constexpr Cpx kDivBy2 = 32767 / 2;

// kf_bfly4 (forward) of x0..x3 with twiddles t1, t2, t3, into a[0], a[m], a[2m], a[3m]
inline void Butterfly4(kissfft_fixed16::kiss_fft_cpx* a, size_t m, Cpx t1, Cpx t2, Cpx t3, Cpx x0, Cpx x1, Cpx x2,
                       Cpx x3) {
  const Cpx f0 = ScaleRounded(x0, kDivBy4);
  const Cpx f1 = ScaleRounded(x1, kDivBy4);
  const Cpx f2 = ScaleRounded(x2, kDivBy4);
  const Cpx f3 = ScaleRounded(x3, kDivBy4);
  const Cpx s0 = MulRounded(f1, t1);
  const Cpx s1 = MulRounded(f2, t2);
  const Cpx s2 = MulRounded(f3, t3);
  const Cpx s5 = Sub(f0, s1);
  const Cpx g0 = Add(f0, s1);
  const Cpx s3 = Add(s0, s2);
  const Cpx s4 = Sub(s0, s2);
  StoreWord(a + 2 * m, Sub(g0, s3));
  StoreWord(a, Add(g0, s3));
  StoreWord(a + m, AddSubX(s5, s4));
  StoreWord(a + 3 * m, SubAddX(s5, s4));
}

// The last `digits` base-4 digits of g in reverse order.
inline uint32_t ReverseDigits(uint32_t g, int digits) {
  if (digits == 0) return 0;
#if WAKEWORD_SKETCH_DSP
  uint32_t bits;
  __asm__("rbit %0, %1" : "=r"(bits) : "r"(g));
  bits >>= 32 - 2 * digits;                                         // the bits reversed: each digit's two bits too
  return (bits >> 1 & 0x55555555u) | (bits & 0x55555555u) << 1;    // so swap them back
#else
  uint32_t reversed = 0;
  for (int d = 0; d < digits; ++d, g >>= 2) reversed = reversed << 2 | (g & 3);
  return reversed;
#endif
}

// The number of base-4 digits of n when n is 4^digits (at most 4^7), else 0.
int Base4Digits(int n) {
  for (int digits = 1, power = 4; digits <= 7; ++digits, power *= 4) {
    if (n == power) return digits;
  }
  return 0;
}

// The complex FFT kf_work computes for kissfft's factors 4, 4, ..., 4 of n = 4^digits: from `in`
// (n complex values) into `out`.
void ComplexFft(const kissfft_fixed16::kiss_fft_state* st, int digits, const int16_t* in,
                kissfft_fixed16::kiss_fft_cpx* out) {
  const size_t n = static_cast<size_t>(st->nfft);
  const kissfft_fixed16::kiss_fft_cpx* tw = st->twiddles;
  // first stage (m = 1) fused with the reordering: out[4g + q] = in[q * n/4 + reverse(g)], where
  // reverse(g) is g's digits - 1 base-4 digits in reverse order
  const size_t quarter = n / 4;
  const Cpx t0 = LoadWord(tw);
  for (size_t g = 0; g < quarter; ++g) {
    const int16_t* from = in + 2 * ReverseDigits(static_cast<uint32_t>(g), digits - 1);
    kissfft_fixed16::kiss_fft_cpx* a = out + 4 * g;
    Butterfly4(a, 1, t0, t0, t0, LoadWord(from), LoadWord(from + 2 * quarter), LoadWord(from + 4 * quarter),
               LoadWord(from + 6 * quarter));
  }
  // the other stages: butterflies of span m with twiddles k * fstride, 2k * fstride, 3k * fstride
  for (size_t m = 4; m < n; m *= 4) {
    const size_t fstride = n / (4 * m);
    for (size_t k = 0; k < m; ++k) {
      const Cpx t1 = LoadWord(tw + k * fstride), t2 = LoadWord(tw + 2 * k * fstride), t3 = LoadWord(tw + 3 * k * fstride);
      for (size_t start = k; start < n; start += 4 * m) {
        kissfft_fixed16::kiss_fft_cpx* a = out + start;
        Butterfly4(a, m, t1, t2, t3, LoadWord(a), LoadWord(a + m), LoadWord(a + 2 * m), LoadWord(a + 3 * m));
      }
    }
  }
}

}  // namespace

bool FftUsesDspInstructions() { return WAKEWORD_SKETCH_DSP != 0; }

bool RealFftDsp(void* kiss_fftr_cfg, size_t fft_size, const int16_t* input, complex_int16_t* output) {
  const auto* st = static_cast<const kissfft_fixed16::kiss_fftr_state*>(kiss_fftr_cfg);
  if (st == nullptr || st->substate == nullptr || st->substate->inverse != 0) return false;
  const kissfft_fixed16::kiss_fft_state* sub = st->substate;
  const int ncfft = sub->nfft;
  const int digits = Base4Digits(ncfft);
  if (digits == 0 || fft_size != 2 * static_cast<size_t>(ncfft)) return false;
  for (int d = 0, m = ncfft; d < digits; ++d) {  // kf_factor's factors: (4, n/4), (4, n/16), ..., (4, 1)
    m /= 4;
    if (sub->factors[2 * d] != 4 || sub->factors[2 * d + 1] != m) return false;
  }
  kissfft_fixed16::kiss_fft_cpx* tmp = st->tmpbuf;
  ComplexFft(sub, digits, input, tmp);

  // kiss_fftr's split of the two real halves into the spectrum
  const Cpx tdc = ScaleRounded(LoadWord(tmp), kDivBy2);
  const int32_t dc_r = Low16(tdc), dc_i = High16(tdc);
  StoreWord(output, static_cast<uint32_t>(dc_r + dc_i) & 0xFFFFu);
  StoreWord(output + ncfft, static_cast<uint32_t>(dc_r - dc_i) & 0xFFFFu);
  for (int k = 1; k <= ncfft / 2; ++k) {
    const Cpx fpk = ScaleRounded(LoadWord(tmp + k), kDivBy2);
    const Cpx fpnk = ScaleRounded(Conjugate(LoadWord(tmp + ncfft - k)), kDivBy2);
    const Cpx f1k = Add(fpk, fpnk);
    const Cpx f2k = Sub(fpk, fpnk);
    const Cpx tw = MulRounded(f2k, LoadWord(st->super_twiddles + k - 1));
    StoreWord(output + k, HalvingAdd(f1k, tw));
    StoreWord(output + ncfft - k, LowHigh(HalvingSub(f1k, tw), HalvingSub(tw, f1k)));
  }
  return true;
}

}  // namespace wakeword_sketch

// The microfrontend's fft.cc, with the FFT above (kissfft where it does not apply).
void FftCompute(struct FftState* state, const int16_t* input, int input_scale_shift) {
  const size_t input_size = state->input_size;
  const size_t fft_size = state->fft_size;
  int16_t* fft_input = state->input;
  size_t i = 0;
#if WAKEWORD_SKETCH_DSP
  // two samples a word: each half times 2^shift (SMULBB, SMULTB), the low 16 bits of each kept (PKHBT),
  // which is fft.cc's uint16 shift stored as int16
  const uint32_t scale = uint32_t{1} << input_scale_shift;
  for (; i + 2 <= input_size; i += 2) {
    const uint32_t pair = wakeword_sketch::LoadWord(input + i);
    uint32_t lo, hi, shifted;
    __asm__("smulbb %0, %1, %2" : "=r"(lo) : "r"(pair), "r"(scale));
    __asm__("smultb %0, %1, %2" : "=r"(hi) : "r"(pair), "r"(scale));
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(shifted) : "r"(lo), "r"(hi));
    wakeword_sketch::StoreWord(fft_input + i, shifted);
  }
#endif
  for (; i < input_size; ++i) {
    fft_input[i] = static_cast<int16_t>(static_cast<uint16_t>(input[i]) << input_scale_shift);
  }
  for (; i < fft_size; ++i) fft_input[i] = 0;
  if (!wakeword_sketch::RealFftDsp(state->scratch, fft_size, state->input, state->output)) {
    kissfft_fixed16::kiss_fftr(static_cast<kissfft_fixed16::kiss_fftr_cfg>(state->scratch), state->input,
                               reinterpret_cast<kissfft_fixed16::kiss_fft_cpx*>(state->output));
  }
}

void FftInit(struct FftState* /*state*/) {}  // FftPopulateState (fft_util.cc) does it all

void FftReset(struct FftState* state) {
  memset(state->input, 0, state->fft_size * sizeof(*state->input));
  memset(state->output, 0, (state->fft_size / 2 + 1) * sizeof(*state->output));
}
