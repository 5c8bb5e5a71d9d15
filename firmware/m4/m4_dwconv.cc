// The sketch's DEPTHWISE_CONV_2D and CONV_2D (nano33ble/op_resolver.cpp) against the kernels linked
// beside them (CMSIS-NN's) on the emulated Cortex-M4F. DEPTHWISE_CONV_2D: random streaming shapes (1-70 channels, 1-7 taps,
// dilation 1-8, extra input rows with a stride that keeps one output frame), random int8 data and
// weights, bias or none, per-channel multipliers and shifts, zero points and activation ranges.
// DepthwiseConvOneFrame must take every such case and equal the linked kernel byte for byte; cases
// outside it (a depth multiplier of 2, two output columns, padding, no per-channel data) must be left
// to the linked kernel, and the registered kernel must still equal it. Kernels are called as the
// interpreter calls them (Eval with the node's user data: OpDataConv first, as both kernels keep it).
// CONV_2D likewise: 1-64 input and 1-64 output channels (odd counts too), 1-7 taps, dilation 1-8
// (a dilated case gathers its rows), and cases left to CMSIS-NN: two output columns, padding, no
// per-channel data, more columns than the gather buffer.
// Prints one line and exits 0 when every case agrees.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "op_resolver.h"
#include "tensorflow/lite/micro/kernels/conv.h"
#include "tensorflow/lite/micro/kernels/depthwise_conv.h"
#include "tensorflow/lite/micro/kernels/micro_ops.h"

extern "C" void semihost_write0(const char* text);

namespace {

constexpr int kMaxChannels = 70, kMaxTaps = 7, kMaxRows = 6 * 8 + 3 + 1, kMaxConvChannels = 64;
TfLiteEvalTensor g_tensors[4];  // input, filter, bias, output
int g_dims[4][1 + 4];
int8_t g_input[kMaxRows * 2 * kMaxChannels * 2];
int8_t g_filter[kMaxTaps * kMaxConvChannels * 200];
int32_t g_bias[kMaxChannels * 2];
int8_t g_output[kMaxChannels * 2 * 2 + 16], g_expected[kMaxChannels * 2 * 2 + 16];
int32_t g_multiplier[kMaxChannels * 2], g_shift[kMaxChannels * 2];
alignas(8) uint8_t g_scratch[8192];
struct {  // the kernels' user data: OpDataConv first (CMSIS-NN adds its scratch buffer index)
  tflite::OpDataConv conv;
  int buffer_idx;
} g_data;
TfLiteDepthwiseConvParams g_params;
TfLiteConvParams g_conv_params;
char g_line[200];

uint32_t g_seed = 4242;
uint32_t Next() {
  g_seed = g_seed * 1664525u + 1013904223u;
  return g_seed >> 8;
}
int Uniform(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint32_t>(hi - lo + 1)); }

TfLiteEvalTensor* GetEvalTensor(const TfLiteContext*, int index) { return &g_tensors[index]; }
void* GetScratchBuffer(TfLiteContext*, int) { return g_scratch; }

void SetTensor(int i, TfLiteType type, void* data, int n, int h, int w, int c) {
  g_dims[i][0] = 4;
  g_dims[i][1] = n;
  g_dims[i][2] = h;
  g_dims[i][3] = w;
  g_dims[i][4] = c;
  g_tensors[i].dims = reinterpret_cast<TfLiteIntArray*>(g_dims[i]);
  g_tensors[i].type = type;
  g_tensors[i].data.data = data;
}

TfLiteNode Node(TfLiteContext* context, bool with_bias, void* builtin_data = &g_params) {
  static int inputs3[] = {3, 0, 1, 2};
  static int inputs2[] = {2, 0, 1};
  static int outputs[] = {1, 3};
  *context = {};
  context->GetEvalTensor = GetEvalTensor;
  context->GetScratchBuffer = GetScratchBuffer;
  TfLiteNode node = {};
  node.inputs = reinterpret_cast<TfLiteIntArray*>(with_bias ? inputs3 : inputs2);
  node.outputs = reinterpret_cast<TfLiteIntArray*>(outputs);
  node.builtin_data = builtin_data;
  node.user_data = &g_data;
  return node;
}

// The kernels' user data: random zero points and activation range, the per-channel multipliers and
// shifts (or none), padding (or none)
void SetOpData(bool per_channel, bool padding) {
  g_data = {};
  g_data.conv.input_zero_point = Uniform(-128, 127);
  g_data.conv.output_zero_point = Uniform(-128, 127);
  g_data.conv.per_channel_output_multiplier = per_channel ? g_multiplier : nullptr;
  g_data.conv.per_channel_output_shift = per_channel ? g_shift : nullptr;
  g_data.conv.output_activation_min = Next() % 2 ? -128 : g_data.conv.output_zero_point;
  g_data.conv.output_activation_max = 127;
  g_data.conv.padding.height = padding ? 1 : 0;
  g_data.buffer_idx = 0;
}

// One case. kind 0: the streaming case; 1: depth multiplier 2; 2: two output columns; 3: padding;
// 4: no per-channel data. Returns false when the kernels disagree or the fast path is wrong about
// the case.
bool Case(int kind) {
  const int channels = Uniform(1, kMaxChannels / (kind == 1 ? 2 : 1)), taps = Uniform(1, kMaxTaps);
  const int dilation = Uniform(1, 8), extra = Uniform(0, 2);
  const int rows = (taps - 1) * dilation + 1 + extra;
  const int mult = kind == 1 ? 2 : 1, width = kind == 2 ? 2 : 1, out_c = channels * mult;
  const bool with_bias = Next() % 4 != 0;
  for (int i = 0; i < rows * width * channels; ++i) g_input[i] = static_cast<int8_t>(Next());
  for (int i = 0; i < taps * out_c; ++i) g_filter[i] = static_cast<int8_t>(Next());
  for (int c = 0; c < out_c; ++c) {
    g_bias[c] = static_cast<int32_t>(Next() % 200001) - 100000;
    g_multiplier[c] = static_cast<int32_t>((1u << 30) + Next() % (1u << 30));
    g_shift[c] = Uniform(-12, 1);
  }
  SetTensor(0, kTfLiteInt8, g_input, 1, rows, width, channels);
  SetTensor(1, kTfLiteInt8, g_filter, 1, taps, 1, out_c);
  SetTensor(2, kTfLiteInt32, g_bias, 1, 1, 1, out_c);
  g_dims[2][0] = 1;  // the bias is a vector
  g_dims[2][1] = out_c;
  SetTensor(3, kTfLiteInt8, g_output, 1, 1, width, out_c);
  g_params = {};
  g_params.padding = kTfLitePaddingValid;
  g_params.stride_height = extra + 1;
  g_params.stride_width = 1;
  g_params.depth_multiplier = mult;
  g_params.dilation_height_factor = dilation;
  g_params.dilation_width_factor = 1;
  SetOpData(/*per_channel=*/kind != 4, /*padding=*/kind == 3);
  TfLiteContext context;
  TfLiteNode node = Node(&context, with_bias);
  if (kind == 4) {  // the linked kernel cannot run without its per-channel data: only the refusal counts
    return !wakeword_sketch::DepthwiseConvOneFrame(&context, &node);
  }
  memset(g_output, 0x5A, sizeof g_output);
  SetTensor(3, kTfLiteInt8, g_output, 1, 1, width, out_c);
  const bool fast = wakeword_sketch::DepthwiseConvOneFrame(&context, &node);
  if (fast != (kind == 0)) return false;
  if (!fast) {
    memset(g_output, 0x5A, sizeof g_output);
    if (wakeword_sketch::RegisterDepthwiseConvOneFrame().invoke(&context, &node) != kTfLiteOk) return false;
  }
  memset(g_expected, 0x5A, sizeof g_expected);
  SetTensor(3, kTfLiteInt8, g_expected, 1, 1, width, out_c);
  if (tflite::Register_DEPTHWISE_CONV_2D().invoke(&context, &node) != kTfLiteOk) return false;
  return memcmp(g_output, g_expected, sizeof g_output) == 0;
}

// One CONV_2D case. kind 0: the streaming case; 1: two output columns; 2: padding; 3: no
// per-channel data; 4: a dilated case with more columns than the gather buffer (1024).
bool ConvCase(int kind) {
  int in_c = Uniform(1, kMaxConvChannels);
  const int out_c = Uniform(1, kMaxConvChannels);
  int taps = Uniform(1, kMaxTaps), dilation = Uniform(1, 8);
  if (kind == 4) {
    taps = 7;
    in_c = 160;
    dilation = 2;
  }
  const int extra = Uniform(0, 2), rows = (taps - 1) * dilation + 1 + extra, width = kind == 1 ? 2 : 1;
  const bool with_bias = Next() % 4 != 0;
  for (int i = 0; i < rows * width * in_c; ++i) g_input[i] = static_cast<int8_t>(Next());
  for (int i = 0; i < out_c * taps * in_c; ++i) g_filter[i] = static_cast<int8_t>(Next());
  for (int c = 0; c < out_c; ++c) {
    g_bias[c] = static_cast<int32_t>(Next() % 2000001) - 1000000;
    g_multiplier[c] = static_cast<int32_t>((1u << 30) + Next() % (1u << 30));
    g_shift[c] = Uniform(-14, 1);
  }
  SetTensor(0, kTfLiteInt8, g_input, 1, rows, width, in_c);
  SetTensor(1, kTfLiteInt8, g_filter, out_c, taps, 1, in_c);
  SetTensor(2, kTfLiteInt32, g_bias, 1, 1, 1, out_c);
  g_dims[2][0] = 1;
  g_dims[2][1] = out_c;
  g_conv_params = {};
  g_conv_params.padding = kTfLitePaddingValid;
  g_conv_params.stride_height = extra + 1;
  g_conv_params.stride_width = 1;
  g_conv_params.dilation_height_factor = dilation;
  g_conv_params.dilation_width_factor = 1;
  SetOpData(/*per_channel=*/kind != 3, /*padding=*/kind == 2);
  TfLiteContext context;
  TfLiteNode node = Node(&context, with_bias, &g_conv_params);
  memset(g_output, 0x5A, sizeof g_output);
  SetTensor(3, kTfLiteInt8, g_output, 1, 1, width, out_c);
  const bool fast = wakeword_sketch::ConvOneFrame(&context, &node);
  if (fast != (kind == 0)) return false;
  if (kind != 0) return true;  // refused: left to the linked kernel (the registered Eval calls it)
  memset(g_expected, 0x5A, sizeof g_expected);
  SetTensor(3, kTfLiteInt8, g_expected, 1, 1, width, out_c);
  if (tflite::Register_CONV_2D().invoke(&context, &node) != kTfLiteOk) return false;
  return memcmp(g_output, g_expected, sizeof g_output) == 0;
}

// `n` cases of kind 0 and, every tenth, one of each other kind 1..4; counts them and the wrong ones
void Run(bool (*one_case)(int), const char* name, int n, int* cases, int* others, int* wrong) {
  for (int i = 0; i < n; ++i) {
    ++*cases;
    if (!one_case(0)) {
      ++*wrong;
      snprintf(g_line, sizeof g_line, "DIFFERS: a one-frame %s case\n", name);
      semihost_write0(g_line);
    }
    for (int kind = 1; kind <= 4 && i % 10 == 0; ++kind) {
      ++*others;
      if (!one_case(kind)) {
        ++*wrong;
        snprintf(g_line, sizeof g_line, "DIFFERS: %s case kind %d\n", name, kind);
        semihost_write0(g_line);
      }
    }
  }
}

}  // namespace

int main() {
  int cases = 0, others = 0, wrong = 0, conv_cases = 0, conv_others = 0, conv_wrong = 0;
  Run(Case, "DEPTHWISE_CONV_2D", 500, &cases, &others, &wrong);
  snprintf(g_line, sizeof g_line,
           "dwconv: %d one-frame cases equal to the linked DEPTHWISE_CONV_2D, %d other cases left to it, %d wrong\n%s\n",
           cases, others, wrong, wrong == 0 ? "PASS: the sketch's DEPTHWISE_CONV_2D" : "FAIL: the sketch's DEPTHWISE_CONV_2D");
  semihost_write0(g_line);
  Run(ConvCase, "CONV_2D", 300, &conv_cases, &conv_others, &conv_wrong);
  snprintf(g_line, sizeof g_line,
           "conv: %d one-frame cases equal to the linked CONV_2D, %d other cases left to it, %d wrong\n%s\n",
           conv_cases, conv_others, conv_wrong,
           conv_wrong == 0 ? "PASS: the sketch's CONV_2D" : "FAIL: the sketch's CONV_2D");
  semihost_write0(g_line);
  return wrong == 0 && conv_wrong == 0 ? 0 : 1;
}
