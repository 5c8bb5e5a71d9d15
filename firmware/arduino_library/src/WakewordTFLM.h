// The library's umbrella header: a sketch includes it so that the Arduino builder adds this
// library (TensorFlow Lite Micro with CMSIS-NN and the microfrontend, firmware/third_party at the
// commits of SOURCES.txt) to the build; the sketch then includes TFLite Micro's own headers by
// their usual paths (tensorflow/lite/micro/...).
#ifndef WAKEWORD_TFLM_H_
#define WAKEWORD_TFLM_H_

#include "wakeword_tflm_config.h"

#endif  // WAKEWORD_TFLM_H_
