#include "op_resolver.h"

#include <stddef.h>
#include <string.h>

#include "dsp_words.h"
#include "tensorflow/lite/micro/kernels/conv.h"
#include "tensorflow/lite/micro/kernels/depthwise_conv.h"
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

const TFLMRegistration& LinkedDepthwiseConv() {  // CMSIS-NN's in the firmware, the reference one in m4_check_ref
  static const TFLMRegistration linked = tflite::Register_DEPTHWISE_CONV_2D();
  return linked;
}

// a[i] += sum over the taps j of (xs[j * row_step + i] + offset) * ws[j * channels + i], i = 0..3 (a leaf
// function of its own: the four sums stay in registers)
__attribute__((noinline)) void SumFourChannels(const int8_t* xs, const int8_t* ws, int taps, int row_step, int channels,
                                              int32_t offset, int32_t* a) {
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  for (int j = 0; j < taps; ++j, xs += row_step, ws += channels) {
    a0 += (xs[0] + offset) * ws[0];
    a1 += (xs[1] + offset) * ws[1];
    a2 += (xs[2] + offset) * ws[2];
    a3 += (xs[3] + offset) * ws[3];
  }
  a[0] = a0;
  a[1] = a1;
  a[2] = a2;
  a[3] = a3;
}

// The requantization of one sum as CMSIS-NN's arm_nn_requantize computes it in C (a rounding doubling
// high multiply, SMLAL, then a rounding shift right, midpoints away from zero; TFLite's
// MultiplyByQuantizedMultiplier gives the same values), the output zero point, the activation's clamp
__attribute__((always_inline)) inline int8_t Requantized(int32_t sum, int32_t multiplier, int32_t shift,
                                                      const tflite::OpDataConv& data) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t high = static_cast<int32_t>(
      (static_cast<int64_t>(sum * (1 << left)) * multiplier + (int64_t{1} << 30)) >> 31);
  const int32_t mask = static_cast<int32_t>((uint32_t{1} << right) - 1u);
  int32_t v = high >> right;
  const int32_t threshold = (mask >> 1) + (v < 0 ? 1 : 0);
  if ((high & mask) > threshold) ++v;
  v += data.output_zero_point;
  v = v < data.output_activation_min ? data.output_activation_min : v;
  v = v > data.output_activation_max ? data.output_activation_max : v;
  return static_cast<int8_t>(v);
}

const TFLMRegistration& LinkedConv() {  // CMSIS-NN's in the firmware, the reference one in m4_check_ref
  static const TFLMRegistration linked = tflite::Register_CONV_2D();
  return linked;
}

// Two dot products of `n` int8 values: (x[i] + offset) with w0[i] and with w1[i], added to *a0, *a1.
// On the Cortex-M4 four values a step: SXTAB16 widens the inputs and adds the offset, SXTB16 widens
// the weights, SMLAD adds two products at once (CMSIS-NN's vector-matrix kernels do the same). The
// sums are the C sums either way: int32 cannot overflow for the sizes this kernel takes.
__attribute__((noinline)) void DotTwo(const int8_t* x, const int8_t* w0, const int8_t* w1, int n, int32_t offset,
                                      int32_t* a0, int32_t* a1) {
  int32_t s0 = *a0, s1 = *a1;
  int i = 0;
#if WAKEWORD_SKETCH_DSP
  const uint32_t offsets = (static_cast<uint32_t>(offset) & 0xFFFFu) | (static_cast<uint32_t>(offset) << 16);
  for (; i + 4 <= n; i += 4) {
    const uint32_t xv = LoadWord(x + i), k0 = LoadWord(w0 + i), k1 = LoadWord(w1 + i);
    uint32_t x_even, x_odd, k_even, k_odd;
    __asm__("sxtab16 %0, %1, %2" : "=r"(x_even) : "r"(offsets), "r"(xv));
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(x_odd) : "r"(offsets), "r"(xv));
    __asm__("sxtb16 %0, %1" : "=r"(k_even) : "r"(k0));
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(k_odd) : "r"(k0));
    __asm__("smlad %0, %1, %2, %0" : "+r"(s0) : "r"(k_even), "r"(x_even));
    __asm__("smlad %0, %1, %2, %0" : "+r"(s0) : "r"(k_odd), "r"(x_odd));
    __asm__("sxtb16 %0, %1" : "=r"(k_even) : "r"(k1));
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(k_odd) : "r"(k1));
    __asm__("smlad %0, %1, %2, %0" : "+r"(s1) : "r"(k_even), "r"(x_even));
    __asm__("smlad %0, %1, %2, %0" : "+r"(s1) : "r"(k_odd), "r"(x_odd));
  }
#endif
  for (; i < n; ++i) {
    const int32_t v = x[i] + offset;
    s0 += v * w0[i];
    s1 += v * w1[i];
  }
  *a0 = s0;
  *a1 = s1;
}

constexpr int kMaxConvColumns = 1024;  // taps x input channels a dilated case gathers on the stack

// What both one-frame kernels read: the node's tensors (input, weights, optional bias, output: TFLite
// Micro's kConv*Tensor indices, which kDepthwiseConv*Tensor equal) and the linked kernel's OpDataConv, which is the
// node's user data alone (reference kernels) or first in CMSIS-NN's OpData.
struct OneFrame {
  const tflite::OpDataConv* data;
  const TfLiteEvalTensor* input;
  const TfLiteEvalTensor* filter;
  const TfLiteEvalTensor* bias;  // or nullptr
  TfLiteEvalTensor* output;
  const int* in;   // input dims: [1, rows, 1, channels]
  const int* w;    // weight dims
  const int* out;  // output dims
};

// The node's operands when they are the case both kernels take: int8 data, int8 per-channel weights,
// an int32 bias with one value per output channel (or none), 4-D tensors, VALID padding, and an
// output of one row and one column of `out[3]` channels from one input column. False otherwise.
bool OneFrameOperands(TfLiteContext* context, TfLiteNode* node, OneFrame* f) {
  f->data = static_cast<const tflite::OpDataConv*>(node->user_data);
  f->input = tflite::micro::GetEvalInput(context, node, tflite::kConvInputTensor);
  f->filter = tflite::micro::GetEvalInput(context, node, tflite::kConvWeightsTensor);
  f->bias = tflite::NumInputs(node) == 3 ? tflite::micro::GetEvalInput(context, node, tflite::kConvBiasTensor)
                                          : nullptr;
  f->output = tflite::micro::GetEvalOutput(context, node, tflite::kConvOutputTensor);
  const tflite::OpDataConv& data = *f->data;
  if (f->input->type != kTfLiteInt8 || f->filter->type != kTfLiteInt8 || f->output->type != kTfLiteInt8 ||
      (f->bias != nullptr && f->bias->type != kTfLiteInt32) || f->input->dims->size != 4 ||
      f->filter->dims->size != 4 || f->output->dims->size != 4 || data.per_channel_output_multiplier == nullptr ||
      data.per_channel_output_shift == nullptr || data.padding.height != 0 || data.padding.width != 0) {
    return false;
  }
  f->in = f->input->dims->data;
  f->w = f->filter->dims->data;
  f->out = f->output->dims->data;
  return f->in[0] == 1 && f->in[2] == 1 && f->w[2] == 1 && f->out[0] == 1 && f->out[1] == 1 && f->out[2] == 1 &&
         (f->bias == nullptr || tflite::ElementCount(*f->bias->dims) == f->out[3]);
}

}  // namespace

bool ConvOneFrame(TfLiteContext* context, TfLiteNode* node) {
  OneFrame f;
  if (!OneFrameOperands(context, node, &f)) return false;
  const int in_channels = f.in[3], out_channels = f.w[0], taps = f.w[1];
  const int dilation = static_cast<const TfLiteConvParams*>(node->builtin_data)->dilation_height_factor;
  const int columns = taps * in_channels;
  if (f.w[3] != in_channels || f.out[3] != out_channels || dilation < 1 || (taps - 1) * dilation >= f.in[1] ||
      (dilation > 1 && columns > kMaxConvColumns)) {
    return false;
  }
  const tflite::OpDataConv& data = *f.data;
  const int8_t* x = tflite::micro::GetTensorData<int8_t>(f.input);
  int8_t gathered[kMaxConvColumns];
  if (dilation > 1) {  // the taps' rows side by side, as the weights of one output channel lie
    for (int j = 0; j < taps; ++j) memcpy(gathered + j * in_channels, x + j * dilation * in_channels, in_channels);
    x = gathered;
  }
  const int8_t* k = tflite::micro::GetTensorData<int8_t>(f.filter);
  const int32_t* b = f.bias != nullptr ? tflite::micro::GetTensorData<int32_t>(f.bias) : nullptr;
  int8_t* y = tflite::micro::GetTensorData<int8_t>(f.output);
  const int32_t input_offset = -data.input_zero_point;
  for (int o = 0; o < out_channels; o += 2) {
    const int o1 = o + 1 < out_channels ? o + 1 : o;  // an odd last channel is computed twice
    int32_t a0 = b != nullptr ? b[o] : 0, a1 = b != nullptr ? b[o1] : 0;
    DotTwo(x, k + o * columns, k + o1 * columns, columns, input_offset, &a0, &a1);
    y[o] = Requantized(a0, data.per_channel_output_multiplier[o], data.per_channel_output_shift[o], data);
    y[o1] = Requantized(a1, data.per_channel_output_multiplier[o1], data.per_channel_output_shift[o1], data);
  }
  return true;
}

bool DepthwiseConvOneFrame(TfLiteContext* context, TfLiteNode* node) {
  OneFrame f;
  if (!OneFrameOperands(context, node, &f)) return false;
  const auto& params = *static_cast<const TfLiteDepthwiseConvParams*>(node->builtin_data);
  const int channels = f.in[3], taps = f.w[1], dilation = params.dilation_height_factor;
  if (params.depth_multiplier != 1 || f.w[0] != 1 || f.w[3] != channels || f.out[3] != channels || dilation < 1 ||
      (taps - 1) * dilation >= f.in[1]) {
    return false;
  }
  const tflite::OpDataConv& data = *f.data;
  const int8_t* x = tflite::micro::GetTensorData<int8_t>(f.input);
  const int8_t* k = tflite::micro::GetTensorData<int8_t>(f.filter);
  const int32_t* b = f.bias != nullptr ? tflite::micro::GetTensorData<int32_t>(f.bias) : nullptr;
  int8_t* y = tflite::micro::GetTensorData<int8_t>(f.output);
  const int32_t input_offset = -data.input_zero_point;
  const int32_t* multiplier = data.per_channel_output_multiplier;
  const int32_t* shift = data.per_channel_output_shift;
  const int row_step = dilation * channels;
  // four channels at a time with their sums in registers; taps inner (summation order does not
  // change an int32 sum that cannot overflow: |sum| <= taps * 255 * 128 + |bias|)
  int c = 0;
  for (; c + 4 <= channels; c += 4) {
    int32_t a[4];
    for (int i = 0; i < 4; ++i) a[i] = b != nullptr ? b[c + i] : 0;
    SumFourChannels(x + c, k + c, taps, row_step, channels, input_offset, a);
    for (int i = 0; i < 4; ++i) y[c + i] = Requantized(a[i], multiplier[c + i], shift[c + i], data);
  }
  for (; c < channels; ++c) {
    int32_t a = b != nullptr ? b[c] : 0;
    for (int j = 0; j < taps; ++j) a += (x[j * row_step + c] + input_offset) * k[j * channels + c];
    y[c] = Requantized(a, multiplier[c], shift[c], data);
  }
  return true;
}

namespace {

TfLiteStatus ConvEval(TfLiteContext* context, TfLiteNode* node) {
  return ConvOneFrame(context, node) ? kTfLiteOk : LinkedConv().invoke(context, node);
}

TfLiteStatus DepthwiseEval(TfLiteContext* context, TfLiteNode* node) {
  return DepthwiseConvOneFrame(context, node) ? kTfLiteOk : LinkedDepthwiseConv().invoke(context, node);
}

}  // namespace

TFLMRegistration RegisterConvOneFrame() {  // the linked kernel's Init and Prepare
  return tflite::micro::RegisterOp(LinkedConv().init, LinkedConv().prepare, ConvEval);
}

TFLMRegistration RegisterDepthwiseConvOneFrame() {  // the linked kernel's Init and Prepare
  return tflite::micro::RegisterOp(LinkedDepthwiseConv().init, LinkedDepthwiseConv().prepare, DepthwiseEval);
}

TFLMRegistration RegisterSliceContiguous() {
  return tflite::micro::RegisterOp(nullptr, ReferenceSlice().prepare, SliceEval);  // TFLite Micro's Prepare
}

}  // namespace wakeword_sketch
