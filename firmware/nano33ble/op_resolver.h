// The op resolver of the sketch (and of the emulated programs in firmware/m4): TFLite Micro's
// MicroMutableOpResolver with one kernel of our own, SLICE.
//
// The streaming model keeps its state in variables and cuts the newest frames out of them with
// SLICE ops (training/models/tcn.py). TFLite Micro's SLICE copies element by element through a
// five-level loop: on the emulated Cortex-M4F it took 67,925 of the 196,250 instructions of one
// alexa 0.8.0 call (35 %, measured per function from QEMU's instruction trace). SliceContiguous
// copies the same bytes with one memcpy per contiguous run (the trailing dimensions taken whole
// merge into one run); its output is the same by construction (a copy), and m4-check compares
// every score with the Python engine. It checks what TFLite Micro's kernel does not (begin and
// size inside the input, the output's element count: a bad model from the update slot gets an
// error, not a copy out of bounds); int64 begin/size and the types that kernel refuses go to it,
// and its Prepare is used as is. m4/m4_slice.cc compares the two on many shapes and types.
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
