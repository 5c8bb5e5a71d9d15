// Written for this project: the vendored TFLite Micro op resolver includes TFLM's signal library
// header of this name (not in the archive) for its AddIRFFT registration. The firmware's models
// use no signal op: only the declaration the resolver's default argument names.
#ifndef SIGNAL_MICRO_KERNELS_IRFFT_H_
#define SIGNAL_MICRO_KERNELS_IRFFT_H_

#include "tensorflow/lite/micro/micro_common.h"

namespace tflite {
namespace tflm_signal {

TFLMRegistration* Register_IRFFT();

}  // namespace tflm_signal
}  // namespace tflite

#endif  // SIGNAL_MICRO_KERNELS_IRFFT_H_
