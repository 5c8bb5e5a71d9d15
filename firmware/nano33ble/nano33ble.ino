// Wake word detection on the Arduino Nano 33 BLE (Sense): microphone -> TFLM
// audio frontend -> streaming int8 model -> integer detector -> LED/Serial/BLE.
//
// The same path as the Python runtime (wakeword.engine), one job per file, as in
// TensorFlow Lite Micro's micro_speech example:
//
//   audio_provider    PDM microphone, 16 kHz mono, interrupt -> lock-free ring buffer
//   feature_provider  TFLM microfrontend (pymicro-features settings) -> int8 frame / 10 ms
//   model_runner      model slot check and choice (built-in or update slot),
//                     MicroInterpreter, streaming state in resource variables,
//                     one call every kStrideFrames frames -> uint8 scores
//   update_slot       flash reserved for a model update (written over BLE: designed
//                     in firmware/MODEL_UPDATES.md, not implemented yet)
//   src/detector      wakeword::StreamingDetector (firmware/src, bit-exact with Python)
//   src/health        wakeword::HealthCounters: model-health counters, no audio (bit-exact
//                     with wakeword.health.HealthCounters), readable over BLE, updated every minute
//   responder         RGB LED, Serial line, BLE notification
//
// Every model constant comes from src/model_settings.h, generated from the
// bundle's manifest.json; firmware/tools/stage_sketch.py copies it, the model
// array and the portable core (firmware/src) into src/ before arduino-cli runs.
// Build: see firmware/README.md.
//
// Memory is fixed at link time (tensor arena, ring buffer, detector); the only
// heap use is the microfrontend's buffers and ArduinoBLE's objects, both in setup().

#include <WakewordTFLM.h>  // TFLite Micro as firmware/third_party holds it (make -C firmware arduino-library)

#include "audio_provider.h"
#include "feature_provider.h"
#include "model_runner.h"
#include "responder.h"
#include "sketch_config.h"
#include "src/detector.h"
#include "src/health.h"
#include "tensorflow/lite/micro/system_setup.h"

// File-scope statics rather than an anonymous namespace: the Arduino builder
// generates prototypes for the functions of a .ino, and it only handles
// functions at file scope reliably.
using namespace wakeword_sketch;

// Statistics printed every kStatsPeriodMs, to check the CPU budget on the board
// (python -m training.firmware_budget prints the estimate).
static constexpr uint32_t kStatsPeriodMs = 10000;
// Feature steps handled per loop() before BLE and the LED get serviced again.
static constexpr int kMaxStepsPerLoop = 8;

static wakeword::StreamingDetector g_detector;
static wakeword::HealthCounters g_health;
// How often the health counters are published on their BLE characteristic.
static constexpr uint32_t kHealthPeriodMs = 60000;
static_assert(wakeword::kHealthPayloadBytes <= static_cast<size_t>(kHealthPayloadMaxBytes),
              "responder.h: the health characteristic is smaller than the payload");
static uint32_t g_health_published_ms = 0;
static wakeword::Detection g_detections[kKeywordCount];
static int16_t g_step[kStepSamples];  // the 10 ms of audio being collected
static uint32_t g_step_fill = 0;
static int8_t g_frame[kFeatureChannels];
static uint8_t g_scores[kKeywordCount];

// Stream clock. Samples taken from (or dropped by) the ring since boot; the
// current feature stream started at g_origin_samples, and g_frames frames of it
// have been computed. Frame f ends at origin + kWindowMs + f * kStepMs, exactly
// like the Python engine (wakeword.config.FeatureConfig.frame_end_ms).
static uint64_t g_stream_samples = 0;
static uint64_t g_origin_samples = 0;
static uint32_t g_frames = 0;
static uint32_t g_seen_overruns = 0;
static uint32_t g_seen_dropped = 0;

static bool g_ready = false;

struct LoopStats {
  uint32_t since_ms = 0;
  uint32_t feature_us = 0;
  uint32_t model_us = 0;
  uint32_t invokes = 0;
  uint32_t max_invoke_us = 0;
  uint32_t resyncs = 0;
};
static LoopStats g_stats;

static uint32_t FrameEndMs(uint32_t frame_index) {
  const uint64_t origin_ms = g_origin_samples * 1000u / kSampleRateHz;
  return static_cast<uint32_t>(origin_ms + kWindowMs +
                               static_cast<uint64_t>(frame_index) * kStepMs);
}

static void Fail(const char* what) {
  Serial.print("wakeword: setup failed: ");
  Serial.println(what);
  g_ready = false;
}

// The ring dropped audio (loop() was late): the samples around the gap cannot be
// trusted to be contiguous, so discard what is buffered and start a new feature
// and model stream after it, like Engine.reset() in Python. The stream clock
// counts the dropped samples, so t_ms keeps increasing and the detector (with
// its refractory periods) carries on.
static void ResyncAfterOverrun() {
  int16_t discard[64];
  uint32_t got;
  uint64_t lost = 0;  // samples the health counters never see: discarded, dropped, the partial step
  while ((got = AudioProviderRead(discard, 64)) > 0) {
    g_stream_samples += got;
    lost += got;
  }
  const uint32_t dropped = AudioProviderDroppedSamples();
  g_stream_samples += dropped - g_seen_dropped;
  lost += dropped - g_seen_dropped;
  g_seen_dropped = dropped;
  g_stream_samples += g_step_fill;  // the partial step is thrown away too
  lost += g_step_fill;
  g_step_fill = 0;
  g_origin_samples = g_stream_samples;
  g_frames = 0;
  FeatureProviderReset();
  if (!ModelRunnerReset()) Fail("model reset");
  g_health.AddDroppedMs(static_cast<uint32_t>(lost * 1000u / kSampleRateHz));
  g_health.NewStream();
  ++g_stats.resyncs;
}

static void HandleScores(uint32_t now_ms) {
  const uint32_t t_ms = FrameEndMs(g_frames - 1);  // end of the newest frame of the call
  int found = g_detector.Push(g_scores, t_ms, g_detections, kKeywordCount);
  if (found == wakeword::kDetectorTimeNotIncreasing) {
    // The 32-bit millisecond clock wrapped (after 49.7 days): start afresh.
    g_detector.Reset();
    g_health.NewStream();  // its refractory times are on the old clock too
    found = g_detector.Push(g_scores, t_ms, g_detections, kKeywordCount);
  }
  g_health.OnCall(g_scores[0], t_ms, found > 0 ? found : 0);
  for (int i = 0; i < found; ++i) {
    RespondToDetection(g_detections[i].keyword, g_detections[i].score, g_detections[i].t_ms,
                       now_ms);
  }
}

static void ProcessStep() {
  g_health.OnAudio(g_step, kStepSamples);
  const uint32_t t0 = micros();
  const bool have_frame = FeatureProviderProcessStep(g_step, g_frame);
  const uint32_t t1 = micros();
  g_stats.feature_us += t1 - t0;
  if (!have_frame) return;
  ++g_frames;
  const int ran = ModelRunnerPushFrame(g_frame, g_scores);
  if (ran == 0) return;
  const uint32_t invoke_us = micros() - t1;
  g_stats.model_us += invoke_us;
  if (invoke_us > g_stats.max_invoke_us) g_stats.max_invoke_us = invoke_us;
  ++g_stats.invokes;
  if (ran < 0) {
    Serial.println("wakeword: Invoke() failed");
    return;
  }
  HandleScores(millis());
}

static void PrintStats(uint32_t now_ms) {
  const uint32_t elapsed_ms = now_ms - g_stats.since_ms;
  if (elapsed_ms < kStatsPeriodMs) return;
  const uint32_t busy_us = g_stats.feature_us + g_stats.model_us;
  Serial.print("stats: cpu=");
  Serial.print(busy_us / (elapsed_ms * 10.0f), 1);  // percent of wall time
  Serial.print("% features_us/s=");
  Serial.print(g_stats.feature_us / (elapsed_ms / 1000.0f), 0);
  Serial.print(" invokes=");
  Serial.print(g_stats.invokes);
  Serial.print(" invoke_us_avg=");
  Serial.print(g_stats.invokes ? g_stats.model_us / g_stats.invokes : 0);
  Serial.print(" invoke_us_max=");
  Serial.print(g_stats.max_invoke_us);
  Serial.print(" dropped_samples=");
  Serial.print(AudioProviderDroppedSamples());
  Serial.print(" resyncs=");
  Serial.println(g_stats.resyncs);
  g_stats = LoopStats();
  g_stats.since_ms = now_ms;
}

void setup() {
  Serial.begin(115200);
  const uint32_t start_ms = millis();
  while (!Serial && millis() - start_ms < 2000) {
  }
  tflite::InitializeTarget();  // TFLM's MicroPrintf goes to Serial

  if (!ResponderBegin()) Serial.println("wakeword: BLE did not start; LED and Serial only");

  ModelInfo model;
  if (!ModelRunnerBegin(&model)) return Fail("model (see the message above)");
  if (!FeatureProviderBegin(model.input_scale, model.input_zero_point)) {
    return Fail("audio frontend");
  }
  uint8_t thresholds[kKeywordCount];
  for (int k = 0; k < kKeywordCount; ++k) thresholds[k] = kDetectionThreshold;
  if (g_detector.Init(kKeywordCount, thresholds, kDetectionWindow, kRefractoryMs, kFastWindow, kFastMargin) !=
      wakeword::kDetectorOk) {
    return Fail("detector settings");
  }
  if (g_health.Init(kDetectionThreshold, kDetectionWindow, kRefractoryMs) != wakeword::kHealthOk) {
    return Fail("health counter settings");
  }

  Serial.print("wakeword: keywords=");
  for (int k = 0; k < kKeywordCount; ++k) {
    if (k > 0) Serial.print(',');
    Serial.print(kKeywords[k]);
  }
  Serial.print(" model=");
  Serial.print(model.source);
  Serial.print(' ');
  Serial.print(model.version_major);
  Serial.print('.');
  Serial.print(model.version_minor);
  Serial.print('.');
  Serial.print(model.version_patch);
  Serial.print(" model_bytes=");
  Serial.print(static_cast<unsigned long>(model.model_bytes));
  Serial.print(" arena_bytes=");
  Serial.print(kTensorArenaBytes);
  Serial.print(" arena_used=");
  Serial.print(static_cast<unsigned long>(model.arena_used_bytes));
  Serial.print(" resource_variables=");
  Serial.print(model.resource_variables);
  Serial.print(" stride_frames=");
  Serial.print(kStrideFrames);
  Serial.print(" threshold=");
  Serial.print(kDetectionThreshold);
  Serial.print(" window=");
  Serial.print(kDetectionWindow);
  Serial.print(" refractory_ms=");
  Serial.println(kRefractoryMs);

  if (!AudioProviderBegin()) return Fail("PDM microphone");
  g_stats.since_ms = millis();
  g_ready = true;
}

void loop() {
  const uint32_t now_ms = millis();
  if (!g_ready) {
    ResponderShowError(now_ms);
    return;
  }
  const uint32_t overruns = AudioProviderOverruns();
  if (overruns != g_seen_overruns) {
    g_seen_overruns = overruns;
    ResyncAfterOverrun();
  }
  for (int steps = 0; steps < kMaxStepsPerLoop && g_ready;) {
    const uint32_t got = AudioProviderRead(g_step + g_step_fill, kStepSamples - g_step_fill);
    if (got == 0) break;
    g_stream_samples += got;
    g_step_fill += got;
    if (g_step_fill < static_cast<uint32_t>(kStepSamples)) break;  // the ring is empty
    g_step_fill = 0;
    ProcessStep();
    ++steps;
  }
  if (now_ms - g_health_published_ms >= kHealthPeriodMs) {
    g_health_published_ms = now_ms;
    uint8_t payload[wakeword::kHealthPayloadBytes];
    const int n = g_health.Serialize(payload, sizeof(payload));
    if (n > 0) PublishHealth(payload, n);
  }
  ResponderUpdate(now_ms);
  PrintStats(now_ms);
}
