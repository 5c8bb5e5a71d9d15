#include "feature_provider.h"

#include <stddef.h>

#include "quantization.h"
#include "sketch_config.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend_util.h"

namespace wakeword_sketch {
namespace {

FrontendState g_frontend;
bool g_frontend_ready = false;
FeatureQuantizer g_quantizer;

// The frontend settings of pymicro-features (src/micro_features.cpp there), which
// produce the features every model of this project is trained on. Window, step
// and channels come from the manifest (model_settings.h; sketch_config.h checks
// they are the supported 30 ms / 10 ms / 40); the rest are fixed by the feature
// definition (the TFLM defaults, with PCAN enabled).
void FillFrontendConfig(FrontendConfig* config) {
  FrontendFillConfigWithDefaults(config);  // also sets fields pymicro-features leaves alone
  config->window.size_ms = kWindowMs;
  config->window.step_size_ms = kStepMs;
  config->filterbank.num_channels = kFeatureChannels;
  config->filterbank.lower_band_limit = 125.0f;
  config->filterbank.upper_band_limit = 7500.0f;
  config->noise_reduction.smoothing_bits = 10;
  config->noise_reduction.even_smoothing = 0.025f;
  config->noise_reduction.odd_smoothing = 0.06f;
  config->noise_reduction.min_signal_remaining = 0.05f;
  config->pcan_gain_control.enable_pcan = 1;
  config->pcan_gain_control.strength = 0.95f;
  config->pcan_gain_control.offset = 80.0f;
  config->pcan_gain_control.gain_bits = 21;
  config->log_scale.enable_log = 1;
  config->log_scale.scale_shift = 6;
}

}  // namespace

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
