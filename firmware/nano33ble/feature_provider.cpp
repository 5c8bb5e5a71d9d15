#include "feature_provider.h"

#include <stddef.h>

#include "quantization.h"
#include "sketch_config.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend_util.h"

namespace wakeword_sketch {

// quantization.h keeps its own copy of the feature scale (it compiles without the
// generated header in the host tests); the generated one must agree with it
static_assert(wakeword_sketch::kFeatureRawPerUnit == wakeword_model::kFeatureRawPerUnit,
              "model_settings.h: the feature scale differs from quantization.h's");

namespace {

FrontendState g_frontend;
bool g_frontend_ready = false;
FeatureQuantizer g_quantizer;

}  // namespace

// The frontend settings of pymicro-features (src/micro_features.cpp there), which
// produce the features every model of this project is trained on. Every value
// comes from model_settings.h, generated from the manifest and the feature
// definition (wakeword.features.TFLM_FRONTEND_TUNING); sketch_config.h checks the
// window, step and channels are the supported 30 ms / 10 ms / 40.
void FillFrontendConfig(FrontendConfig* config) {
  FrontendFillConfigWithDefaults(config);  // also sets fields pymicro-features leaves alone
  config->window.size_ms = kWindowMs;
  config->window.step_size_ms = kStepMs;
  config->filterbank.num_channels = kFeatureChannels;
  config->filterbank.lower_band_limit = kFrontendLowerBandHz;
  config->filterbank.upper_band_limit = kFrontendUpperBandHz;
  config->noise_reduction.smoothing_bits = kFrontendNoiseSmoothingBits;
  config->noise_reduction.even_smoothing = kFrontendNoiseEvenSmoothing;
  config->noise_reduction.odd_smoothing = kFrontendNoiseOddSmoothing;
  config->noise_reduction.min_signal_remaining = kFrontendNoiseMinSignalRemaining;
  config->pcan_gain_control.enable_pcan = kFrontendPcanEnable;
  config->pcan_gain_control.strength = kFrontendPcanStrength;
  config->pcan_gain_control.offset = kFrontendPcanOffset;
  config->pcan_gain_control.gain_bits = kFrontendPcanGainBits;
  config->log_scale.enable_log = kFrontendLogEnable;
  config->log_scale.scale_shift = kFrontendLogScaleShift;
}

bool FeatureProviderBegin(float input_scale, int input_zero_point) {
  if (!g_quantizer.Init(input_scale, input_zero_point)) return false;
  if (g_frontend_ready) {  // Begin() again: keep the buffers, clear the state
    FrontendReset(&g_frontend);
    return true;
  }
  FrontendConfig config;
  FillFrontendConfig(&config);
  if (!FrontendPopulateState(&config, &g_frontend, kSampleRateHz)) return false;
  g_frontend_ready = true;
  return true;
}

bool FeatureProviderProcessStep(const int16_t* samples, int8_t* frame) {
  if (!g_frontend_ready) return false;
  size_t samples_read = 0;
  // With one step per call the frontend always consumes all kStepSamples samples.
  const FrontendOutput output =
      FrontendProcessSamples(&g_frontend, samples, kStepSamples, &samples_read);
  if (output.size != static_cast<size_t>(kFeatureChannels) || output.values == nullptr) {
    return false;  // the window is not full yet
  }
  for (int i = 0; i < kFeatureChannels; ++i) {
    frame[i] = g_quantizer.Quantize(output.values[i]);
  }
  return true;
}

void FeatureProviderReset() {
  if (g_frontend_ready) FrontendReset(&g_frontend);
}

}  // namespace wakeword_sketch
