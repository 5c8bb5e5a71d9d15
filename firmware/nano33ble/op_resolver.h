// The op resolver of the sketch (and of the emulated programs in firmware/m4): TFLite Micro's
// MicroMutableOpResolver with three kernels of our own: SLICE, CONV_2D and DEPTHWISE_CONV_2D.
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
//
// DEPTHWISE_CONV_2D: the streaming model's depthwise convolutions compute one output frame from K
// taps `dilation` frames apart. CMSIS-NN has a fast kernel only without dilation; its generic one took
// 36,897 of 130,647 instructions of an alexa 0.8.0 call. DepthwiseConvOneFrame computes that case
// (int8, per-channel weights, depth multiplier 1, VALID padding, one output row and column) with the
// same integer sums and CMSIS-NN's requantization, four channels at a time; any other case, and Init
// and Prepare, are the linked kernel's (CMSIS-NN's in the firmware). m4/m4_dwconv.cc compares the
// two on many shapes, dilations and quantizations.
//
// CONV_2D: the streaming model's convolutions (the first one over K frames, the 1x1 ones) also
// compute one output frame: each output channel is one dot product of the K input rows (side by
// side; gathered first when dilated) with that channel's weights. CMSIS-NN's convolution kernels
// take these as matrix products of one row, 44,896 + 24,920 of 104,583 instructions of a call.
// ConvOneFrame computes two output channels at a time with SMLAD (as CMSIS-NN's vector-matrix
// kernels do) and the same requantization; any other case, Init and Prepare are the linked kernel's.
// m4/m4_dwconv.cc tests it as it tests the depthwise one.
#ifndef WAKEWORD_NANO33BLE_OP_RESOLVER_H_
#define WAKEWORD_NANO33BLE_OP_RESOLVER_H_

#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

namespace wakeword_sketch {

TFLMRegistration RegisterSliceContiguous();
TFLMRegistration RegisterDepthwiseConvOneFrame();
TFLMRegistration RegisterConvOneFrame();
// The fast case alone: computes the node's output and returns true, or returns false, writing nothing.
bool DepthwiseConvOneFrame(TfLiteContext* context, TfLiteNode* node);
bool ConvOneFrame(TfLiteContext* context, TfLiteNode* node);

template <unsigned int kOps>
class SketchOpResolver : public tflite::MicroMutableOpResolver<kOps> {
 public:
  // hides the base class's AddSlice (RegisterModelOps and m4_cost call it by name)
  TfLiteStatus AddSlice() { return tflite::MicroMutableOpResolver<kOps>::AddSlice(RegisterSliceContiguous()); }
#ifndef WAKEWORD_LINKED_KERNELS_ONLY  // (defined for the measurements of the linked kernels alone: m4-measure)
  TfLiteStatus AddConv2D() { return tflite::MicroMutableOpResolver<kOps>::AddConv2D(RegisterConvOneFrame()); }
  TfLiteStatus AddDepthwiseConv2D() {
    return tflite::MicroMutableOpResolver<kOps>::AddDepthwiseConv2D(RegisterDepthwiseConvOneFrame());
  }
#endif
};

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_OP_RESOLVER_H_
