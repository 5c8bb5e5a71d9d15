#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
typedef enum TfLiteStatus { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
namespace tflite { class MicroOpResolver { public: virtual ~MicroOpResolver() {} };
template <unsigned int tOpCount> class MicroMutableOpResolver : public MicroOpResolver { public:
#define OP(n) TfLiteStatus n();
OP(AddAssignVariable) OP(AddCallOnce) OP(AddConcatenation) OP(AddConv2D) OP(AddDepthwiseConv2D) OP(AddFullyConnected) OP(AddLogistic) OP(AddQuantize) OP(AddReadVariable) OP(AddReshape) OP(AddSlice) OP(AddStridedSlice) OP(AddVarHandle) OP(AddDequantize) OP(AddAveragePool2D) OP(AddMaxPool2D) OP(AddSoftmax) OP(AddAdd) OP(AddMul) OP(AddMean) OP(AddPad)
#undef OP
}; }
