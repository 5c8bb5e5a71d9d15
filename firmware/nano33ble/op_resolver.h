// The op resolver of the sketch (and of the emulated programs in firmware/m4): TFLite Micro's
// MicroMutableOpResolver with one kernel of our own, SLICE.
//
// The streaming model keeps its state in variables and cuts the newest frames out of them with
// SLICE ops (training/models/tcn.py). TFLite Micro's SLICE copies element by element through a
// five-level loop: on the emulated Cortex-M4F it took 67,925 of the 196,250 instructions of one
// alexa 0.8.0 call (35 %, measured per function from QEMU's instruction trace). SliceContiguous
// copies the same bytes with one memcpy per contiguous run (the trailing dimensions taken whole
// merge into one run); its output is the same by construction (a copy), and m4-check compares
// every score with the Python engine. Anything it does not handle (int64 begin/size) goes to
// TFLite Micro's own kernel, whose Prepare it uses as is.
#ifndef WAKEWORD_NANO33BLE_OP_RESOLVER_H_
#define WAKEWORD_NANO33BLE_OP_RESOLVER_H_

#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

namespace wakeword_sketch {

TFLMRegistration RegisterSliceContiguous();

template <unsigned int kOps>
class SketchOpResolver : public tflite::MicroMutableOpResolver<kOps> {
 public:
  // hides the base class's AddSlice (RegisterModelOps and m4_cost call it by name)
  TfLiteStatus AddSlice() { return tflite::MicroMutableOpResolver<kOps>::AddSlice(RegisterSliceContiguous()); }
};

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_OP_RESOLVER_H_
