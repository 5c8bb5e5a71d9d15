// The sketch's SLICE kernel (nano33ble/op_resolver.cpp) against TFLite Micro's own, on the emulated
// Cortex-M4F: for many shapes (1-5 dimensions), begin/size pairs (size -1 too, cuts on any axis,
// empty slices) and every type it copies, both kernels run on the same input and their outputs must
// be equal byte for byte. Slices that do not fit the input, or an output of the wrong size, must be
// refused with an error (TFLite Micro's kernel would copy out of bounds: it is not run on those).
// Kernels are called as the interpreter calls them: a TfLiteContext whose GetEvalTensor hands out
// the test's tensors. Prints one line and exits 0 when every case agrees.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "op_resolver.h"
#include "tensorflow/lite/micro/kernels/micro_ops.h"

extern "C" void semihost_write0(const char* text);

namespace {

constexpr int kMaxElements = 4096;
TfLiteEvalTensor g_tensors[4];  // input, begin, size, output
int g_dims[4][1 + 5];
alignas(8) uint8_t g_input[kMaxElements * 4];
alignas(8) uint8_t g_output[kMaxElements * 4 + 64];    // + room to see a write past the end
alignas(8) uint8_t g_expected[kMaxElements * 4 + 64];
int32_t g_begin[5], g_size[5];
char g_line[200];

TfLiteEvalTensor* GetEvalTensor(const TfLiteContext*, int index) { return &g_tensors[index]; }

uint32_t g_seed = 12345;
uint32_t Next() {
  g_seed = g_seed * 1664525u + 1013904223u;
  return g_seed >> 8;
}

TfLiteIntArray* Dims(int which, int rank, const int* values) {
  g_dims[which][0] = rank;
  for (int i = 0; i < rank; ++i) g_dims[which][1 + i] = values[i];
  return reinterpret_cast<TfLiteIntArray*>(g_dims[which]);
}

TfLiteStatus Run(const TFLMRegistration& kernel, uint8_t* out, int out_bytes) {
  memset(out, 0xA5, out_bytes + 16);
  g_tensors[3].data.data = out;
  TfLiteContext context = {};
  context.GetEvalTensor = GetEvalTensor;
  int inputs[] = {3, 0, 1, 2};
  int outputs[] = {1, 3};
  TfLiteNode node = {};
  node.inputs = reinterpret_cast<TfLiteIntArray*>(inputs);
  node.outputs = reinterpret_cast<TfLiteIntArray*>(outputs);
  return kernel.invoke(&context, &node);
}

// one case: the input shape, begin and size (size may hold -1); the output shape follows from them
// unless out_elements_delta moves it (a wrong output). Returns false when the two kernels disagree.
bool Case(TfLiteType type, int element_bytes, int rank, const int* shape, bool fits, int out_elements_delta) {
  int input_elements = 1, output_shape[5], output_elements = 1;
  for (int i = 0; i < rank; ++i) {
    input_elements *= shape[i];
    output_shape[i] = g_size[i] == -1 ? shape[i] - g_begin[i] : g_size[i];
    output_elements *= output_shape[i];
  }
  if (out_elements_delta != 0) {
    output_shape[rank - 1] += out_elements_delta;
    output_elements = 1;
    for (int i = 0; i < rank; ++i) output_elements *= output_shape[i];
  }
  for (int i = 0; i < input_elements * element_bytes; ++i) g_input[i] = static_cast<uint8_t>(Next());
  const int one[] = {rank};
  const int* shapes[] = {shape, one, one, output_shape};
  const int ranks[] = {rank, 1, 1, rank};
  void* data[] = {g_input, g_begin, g_size, g_output};
  const TfLiteType types[] = {type, kTfLiteInt32, kTfLiteInt32, type};
  for (int i = 0; i < 4; ++i) {
    g_tensors[i].dims = Dims(i, ranks[i], shapes[i]);
    g_tensors[i].data.data = data[i];
    g_tensors[i].type = types[i];
  }
  const int out_bytes = (output_elements > 0 ? output_elements : 0) * element_bytes;
  const TfLiteStatus mine = Run(wakeword_sketch::RegisterSliceContiguous(), g_output, out_bytes);
  if (!fits || out_elements_delta != 0) return mine == kTfLiteError;  // refused, nothing for the reference to do
  const TfLiteStatus reference = Run(tflite::Register_SLICE(), g_expected, out_bytes);
  return mine == kTfLiteOk && reference == kTfLiteOk && memcmp(g_output, g_expected, out_bytes + 16) == 0;
}

}  // namespace

int main() {
  const struct {
    TfLiteType type;
    int bytes;
  } types[] = {{kTfLiteInt8, 1}, {kTfLiteInt16, 2}, {kTfLiteInt32, 4}, {kTfLiteFloat32, 4}, {kTfLiteBool, 1}};
  int cases = 0, wrong = 0, refused = 0;
  for (int n = 0; n < 600; ++n) {
    const auto& t = types[n % 5];
    const int rank = 1 + static_cast<int>(Next() % 5);
    int shape[5], elements = 1;
    for (int i = 0; i < rank; ++i) {
      shape[i] = 1 + static_cast<int>(Next() % (rank <= 2 ? 24 : 6));
      elements *= shape[i];
    }
    if (elements > kMaxElements) continue;
    for (int i = 0; i < rank; ++i) {
      g_begin[i] = static_cast<int32_t>(Next() % (shape[i] + 1));  // may start at the end: an empty slice
      const int left = shape[i] - g_begin[i];
      const int kind = static_cast<int>(Next() % 4);
      g_size[i] = kind == 0 ? -1 : kind == 1 ? left : static_cast<int32_t>(Next() % (left + 1));
    }
    ++cases;
    if (!Case(t.type, t.bytes, rank, shape, true, 0)) {
      ++wrong;
      snprintf(g_line, sizeof g_line, "DIFFERS: type %d rank %d shape %d,%d,%d,%d,%d begin %ld,%ld,%ld,%ld,%ld size %ld,%ld,%ld,%ld,%ld\n",
               static_cast<int>(t.type), rank, shape[0], rank > 1 ? shape[1] : 0, rank > 2 ? shape[2] : 0,
               rank > 3 ? shape[3] : 0, rank > 4 ? shape[4] : 0, static_cast<long>(g_begin[0]),
               static_cast<long>(g_begin[1]), static_cast<long>(g_begin[2]), static_cast<long>(g_begin[3]),
               static_cast<long>(g_begin[4]), static_cast<long>(g_size[0]), static_cast<long>(g_size[1]),
               static_cast<long>(g_size[2]), static_cast<long>(g_size[3]), static_cast<long>(g_size[4]));
      semihost_write0(g_line);
    }
    // the same slice made not to fit (one past the end of a dimension), and with a wrong output size
    const int axis = static_cast<int>(Next() % rank);
    const int32_t saved = g_size[axis];
    g_size[axis] = shape[axis] - g_begin[axis] + 1;
    if (!Case(t.type, t.bytes, rank, shape, false, 0)) ++wrong;
    g_size[axis] = saved == -1 ? shape[axis] - g_begin[axis] : saved;
    int slice_elements = 1;
    for (int i = 0; i < rank; ++i) slice_elements *= g_size[i] == -1 ? shape[i] - g_begin[i] : g_size[i];
    ++refused;
    if (slice_elements > 0) {  // an output one element longer (with an empty slice it stays empty)
      if (!Case(t.type, t.bytes, rank, shape, true, 1)) ++wrong;
      ++refused;
    }
  }
  snprintf(g_line, sizeof g_line, "slice: %d slices compared with TFLite Micro's SLICE, %d bad ones, %d wrong\n%s\n",
           cases, refused, wrong, wrong == 0 ? "PASS: the sketch's SLICE" : "FAIL: the sketch's SLICE");
  semihost_write0(g_line);
  return wrong == 0 ? 0 : 1;
}
