// tflite::InitializeTarget for the board: the sketch opens Serial itself (115200 baud, in
// setup(), before it calls this), so there is nothing left to do; DebugLog writes to it.
#include "tensorflow/lite/micro/system_setup.h"

namespace tflite {

void InitializeTarget() {}

}  // namespace tflite
