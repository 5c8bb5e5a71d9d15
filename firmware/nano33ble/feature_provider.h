// Feature provider: 10 ms of audio in, one int8 feature frame out.
//
// Runs TensorFlow Lite Micro's audio frontend (tensorflow/lite/experimental/
// microfrontend) with exactly the settings of pymicro-features, which
// wakeword.features uses in Python (30 ms window, 10 ms step, 40 channels,
// 125..7500 Hz, noise reduction, PCAN, log scale), and feeds it exactly one step
// (160 samples) per call, as wakeword.features.FeatureExtractor does, so the
// device computes the same uint16 frames as the runtime and the trainer. The raw
// values are then quantized to the model's int8 input (quantization.h).

#ifndef WAKEWORD_NANO33BLE_FEATURE_PROVIDER_H_
#define WAKEWORD_NANO33BLE_FEATURE_PROVIDER_H_

#include <stdint.h>

struct FrontendConfig;

namespace wakeword_sketch {

// The frontend's settings: window, step and channels from model_settings.h, the rest the
// feature definition's (generated there too). Used by FeatureProviderBegin, and by the
// emulated-board check (firmware/m4) so it runs the sketch's configuration, not a copy.
void FillFrontendConfig(FrontendConfig* config);

// Configures the frontend and the input quantizer (scale and zero point of the
// model's int8 input tensor). The frontend allocates its buffers (window, FFT,
// filterbank, noise estimates: a few KB) with malloc inside FrontendPopulateState,
// once; nothing is allocated afterwards. Returns false on bad settings.
bool FeatureProviderBegin(float input_scale, int input_zero_point);

// Feeds kStepSamples (160) samples. Returns true when they complete a frame; its
// kFeatureChannels int8 values are then in `frame`. The first two steps of a
// stream only fill the 30 ms window and return false.
bool FeatureProviderProcessStep(const int16_t* samples, int8_t* frame);

// Forgets all audio (window contents and noise estimates), like a fresh
// frontend; the next frame is again the first of a stream.
void FeatureProviderReset();

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_FEATURE_PROVIDER_H_
