// The firmware's audio -> features -> model -> scores -> detector path on an emulated Cortex-M4F
// (QEMU mps2-an386, semihosting), against golden data written by the Python engine
// (golden_data.h, firmware/tools/make_m4_golden.py), built from the sketch's own sources:
//   1. the microfrontend (the TFLite Micro sources the sketch uses, configured by the sketch's
//      own FillFrontendConfig, feature_provider.cpp) on the test signal, one
//      10 ms step at a time: every feature value must equal the engine's;
//   2. the sketch's input quantization (quantization.h) of those features: every int8 value must
//      equal the engine's;
//   3. the sketch's model runner (model_runner.cpp: model slot selection, TFLite Micro with
//      CMSIS-NN or the reference kernels, M4_KERNELS) on those inputs: every uint8 score must equal
//      the engine's with LiteRT's exact kernels;
//   4. every detector vector of tests/vectors through firmware/src/detector.cc.
// It prints one line per part and exits 0 only when all agree. m4_mark() brackets one feature step
// (a typical one: the window full, the noise estimate running) and one model call, for the
// instruction counts (firmware/tools/m4_run.py --count: region 1 the step, region 2 the call).

#include <stdint.h>
#include <stdio.h>

#include "feature_provider.h"
#include "model_runner.h"
#include "quantization.h"
#include "src/detector.h"
#include "src/model_settings.h"
#ifndef M4_GOLDEN_HEADER  // another golden file (the test of a mismatch) with -DM4_GOLDEN_HEADER='"path"'
#define M4_GOLDEN_HEADER "golden_data.h"
#endif
#include M4_GOLDEN_HEADER
#include "tensorflow/lite/experimental/microfrontend/lib/frontend.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend_util.h"

extern "C" void semihost_write0(const char* text);

// A call the instruction counter finds in the trace by its address: id 1 before a measured
// region, id 2 after it. noinline and a side effect keep every call in the program.
extern "C" __attribute__((noinline)) void m4_mark(int id) {
  static volatile int g_last_mark;
  g_last_mark = id;
  (void)g_last_mark;
}

namespace {

using namespace wakeword_model;

char g_line[160];

void Say(const char* text) { semihost_write0(text); }

bool FrontendMatches(int* frames_done, int* mismatches, int measured_step) {
  FrontendConfig config;
  wakeword_sketch::FillFrontendConfig(&config);  // the sketch's own settings (feature_provider.cpp)
  FrontendState state;
  if (!FrontendPopulateState(&config, &state, kSampleRateHz)) {
    Say("frontend: FrontendPopulateState failed\n");
    return false;
  }
  wakeword_sketch::FeatureQuantizer quantizer;
  if (!quantizer.Init(golden::kInputScale, golden::kInputZeroPoint)) {
    Say("quantization: bad input scale\n");
    return false;
  }
  const int step = kSampleRateHz * kStepMs / 1000;
  int frame = 0, quantized_mismatches = 0;
  for (int start = 0; start + step <= golden::kAudioSamples; start += step) {
    size_t read = 0;
    const bool measured = frame == measured_step;
    if (measured) m4_mark(1);
    const FrontendOutput out = FrontendProcessSamples(&state, golden::kAudio + start, step, &read);
    if (measured) m4_mark(2);
#ifdef M4_MEASURE_ONLY  // the instruction count's build: stop after the measured step
    if (measured) return true;
#endif
    if (out.values == nullptr) continue;  // the first steps only fill the window
    if (frame >= golden::kFrames || out.size != static_cast<size_t>(golden::kChannels)) {
      ++*mismatches;
      break;
    }
    for (int c = 0; c < golden::kChannels; ++c) {
      const int index = frame * golden::kChannels + c;
      if (out.values[c] != golden::kFeatures[index]) ++*mismatches;
      if (quantizer.Quantize(out.values[c]) != golden::kQuantized[index]) ++quantized_mismatches;
    }
    ++frame;
  }
  FrontendFreeStateContents(&state);
  *frames_done = frame;
  snprintf(g_line, sizeof g_line, "quantization: %d of %d int8 inputs differ\n", quantized_mismatches,
           frame * golden::kChannels);
  Say(g_line);
  return frame == golden::kFrames && *mismatches == 0 && quantized_mismatches == 0;
}

bool ModelMatches(int measured_call_frame) {
  wakeword_sketch::ModelInfo info;
  if (!wakeword_sketch::ModelRunnerBegin(&info)) {
    Say("model: ModelRunnerBegin failed\n");
    return false;
  }
  snprintf(g_line, sizeof g_line, "model (%s kernels): %s slot, %u bytes, arena %u of %d bytes used\n", M4_KERNELS,
           info.source, static_cast<unsigned>(info.model_bytes), static_cast<unsigned>(info.arena_used_bytes),
           kTensorArenaBytes);
  Say(g_line);
  int call = 0, wrong = 0;
  for (int f = 0; f < golden::kFrames; ++f) {
    uint8_t scores[golden::kKeywordCount];
    const bool measured = f == measured_call_frame;
    if (measured) m4_mark(1);
    const int ran = wakeword_sketch::ModelRunnerPushFrame(golden::kQuantized + f * golden::kChannels, scores);
    if (measured) m4_mark(2);
#ifdef M4_MEASURE_ONLY
    if (measured) return true;
#endif
    if (ran < 0) {
      Say("model: Invoke failed\n");
      return false;
    }
    if (ran == 1) {
      for (int k = 0; k < golden::kKeywordCount && call < golden::kCalls; ++k) {
        wrong += scores[k] != golden::kScores[call * golden::kKeywordCount + k];
      }
      ++call;
    }
  }
  snprintf(g_line, sizeof g_line, "model: %d calls, %d of %d scores differ\n", call, wrong,
           golden::kCalls * golden::kKeywordCount);
  Say(g_line);
  return call == golden::kCalls && wrong == 0;
}

bool DetectorMatches() {
  bool all = true;
  for (int v = 0; v < golden::kVectors; ++v) {
    const int keywords = golden::kVectorKeywords[v];
    wakeword::StreamingDetector detector;
    if (detector.Init(keywords, golden::kVectorThresholds + v * golden::kMaxKeywords, golden::kVectorWindow[v],
                      golden::kVectorRefractoryMs[v], golden::kVectorFastWindow[v],
                      golden::kVectorFastMargin[v]) != wakeword::kDetectorOk) {
      snprintf(g_line, sizeof g_line, "detector: %s: Init refused\n", golden::kVectorNames[v]);
      Say(g_line);
      all = false;
      continue;
    }
    int wrong = 0;
    for (uint32_t s = golden::kVectorFirstStep[v]; s < golden::kVectorFirstStep[v + 1]; ++s) {
      wakeword::Detection found[golden::kMaxKeywords];
      const int n = detector.Push(golden::kStepScores + s * golden::kMaxKeywords, golden::kStepTimeMs[s], found,
                                  golden::kMaxKeywords);
      if (golden::kStepError[s]) {
        wrong += n != wakeword::kDetectorTimeNotIncreasing;
        continue;
      }
      const uint32_t first = golden::kStepFirstDetection[s];
      const int expected = static_cast<int>(golden::kStepFirstDetection[s + 1] - first);
      if (n != expected) {
        ++wrong;
        continue;
      }
      for (int d = 0; d < n; ++d) {
        const uint32_t* want = golden::kDetections + 3 * (first + d);
        wrong += found[d].keyword != static_cast<int>(want[0]) || found[d].t_ms != want[1] ||
                 found[d].score != want[2];
      }
    }
    snprintf(g_line, sizeof g_line, "detector: %s: %s\n", golden::kVectorNames[v], wrong ? "DIFFERS" : "equal");
    Say(g_line);
    all = all && wrong == 0;
  }
  return all;
}

}  // namespace

int main() {
  m4_mark(1);  // an empty region: what the marks themselves cost
  m4_mark(2);
  int frames = 0, mismatches = 0;
  const bool features = FrontendMatches(&frames, &mismatches, /*measured_step=*/10);
  snprintf(g_line, sizeof g_line, "features: %d frames, %d of %d values differ\n", frames, mismatches,
           golden::kFrames * golden::kChannels);
  Say(g_line);
  // the frame that completes a model call (every kStrideFrames-th): its push runs the model
  const bool model = ModelMatches(/*measured_call_frame=*/3 * 2 + kStrideFrames - 1);
#ifdef M4_MEASURE_ONLY
  return features && model ? 0 : 1;
#endif
  const bool detector = DetectorMatches();
  const bool all = features && model && detector;
  Say(all ? "PASS: the Cortex-M4 build equals the Python engine\n" : "FAIL\n");
  return all ? 0 : 1;
}
