#include "op_resolver.h"

#include <stddef.h>
#include <string.h>

#include "tensorflow/lite/micro/kernels/kernel_util.h"
#include "tensorflow/lite/micro/kernels/micro_ops.h"
#include "tensorflow/lite/micro/memory_helpers.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/micro_utils.h"

namespace wakeword_sketch {
namespace {

constexpr int kMaxDims = 5;

const TFLMRegistration& ReferenceSlice() {
  static const TFLMRegistration reference = tflite::Register_SLICE();
  return reference;
}

bool CopiedType(TfLiteType type) {  // the types TFLite Micro's SLICE takes (int4 is packed: not a byte copy)
  return type == kTfLiteFloat32 || type == kTfLiteInt32 || type == kTfLiteInt8 || type == kTfLiteInt16 ||
         type == kTfLiteBool;
}

TfLiteStatus SliceEval(TfLiteContext* context, TfLiteNode* node) {
  const TfLiteEvalTensor* input = tflite::micro::GetEvalInput(context, node, 0);
  const TfLiteEvalTensor* begin = tflite::micro::GetEvalInput(context, node, 1);
  const TfLiteEvalTensor* size = tflite::micro::GetEvalInput(context, node, 2);
  TfLiteEvalTensor* output = tflite::micro::GetEvalOutput(context, node, 0);
  size_t element_bytes = 0;
  const int dims = input->dims->size;
  if (begin->type != kTfLiteInt32 || size->type != kTfLiteInt32 || !CopiedType(input->type) ||
      output->type != input->type || tflite::TfLiteTypeSizeOf(input->type, &element_bytes) != kTfLiteOk) {
    return ReferenceSlice().invoke(context, node);  // int64 indices; or the types it refuses, with its message
  }
  if (dims < 1 || dims > kMaxDims || tflite::ElementCount(*begin->dims) != dims ||
      tflite::ElementCount(*size->dims) != dims) {
    MicroPrintf("SLICE: begin and size must list one entry per input dimension (1..%d)", kMaxDims);
    return kTfLiteError;
  }
  // the shape padded to five dimensions at the front, as TFLite Micro's kernel does
  int32_t shape[kMaxDims], start[kMaxDims], count[kMaxDims];
  const int offset = kMaxDims - dims;
  int elements = 1;
  for (int i = 0; i < kMaxDims; ++i) {
    const int source = i - offset;
    shape[i] = source < 0 ? 1 : input->dims->data[source];
    start[i] = source < 0 ? 0 : tflite::micro::GetTensorData<int32_t>(begin)[source];
    const int32_t wanted = source < 0 ? 1 : tflite::micro::GetTensorData<int32_t>(size)[source];
    count[i] = wanted == -1 ? shape[i] - start[i] : wanted;  // -1: to the end
    if (start[i] < 0 || start[i] > shape[i] || count[i] < 0 || count[i] > shape[i] - start[i]) {
      MicroPrintf("SLICE: begin %d, size %d do not fit dimension %d of size %d", static_cast<int>(start[i]),
                  static_cast<int>(wanted), source, static_cast<int>(shape[i]));
      return kTfLiteError;
    }
    elements *= count[i];
  }
  if (elements != tflite::ElementCount(*output->dims)) {
    MicroPrintf("SLICE: the output holds %d elements, the slice %d", tflite::ElementCount(*output->dims),
                elements);
    return kTfLiteError;
  }
  if (elements == 0) return kTfLiteOk;
  size_t stride[kMaxDims];  // in elements
  stride[kMaxDims - 1] = 1;
  for (int i = kMaxDims - 2; i >= 0; --i) stride[i] = stride[i + 1] * static_cast<size_t>(shape[i + 1]);
  // the innermost axis that is cut; every axis after it is taken whole, so one run is contiguous
  int axis = kMaxDims - 1;
  while (axis > 0 && start[axis] == 0 && count[axis] == shape[axis]) --axis;
  const size_t run_bytes = static_cast<size_t>(count[axis]) * stride[axis] * element_bytes;
  const uint8_t* in = static_cast<const uint8_t*>(input->data.data);
  uint8_t* out = static_cast<uint8_t*>(output->data.data);
  int32_t index[kMaxDims] = {0, 0, 0, 0, 0};
  for (;;) {
    size_t first = static_cast<size_t>(start[axis]) * stride[axis];
    for (int i = 0; i < axis; ++i) first += static_cast<size_t>(start[i] + index[i]) * stride[i];
    memcpy(out, in + first * element_bytes, run_bytes);
    out += run_bytes;
    int i = axis - 1;
    for (; i >= 0; --i) {
      if (++index[i] < count[i]) break;
      index[i] = 0;
    }
    if (i < 0) return kTfLiteOk;
  }
}

}  // namespace

TFLMRegistration RegisterSliceContiguous() {
  return tflite::micro::RegisterOp(nullptr, ReferenceSlice().prepare, SliceEval);  // TFLite Micro's Prepare
}

}  // namespace wakeword_sketch
