// The cost of any candidate model on the emulated Cortex-M4F (QEMU mps2-an386): the architecture
// search (training/search.py) and its cost model (training/m4_cost.py) run it on models that are
// not the built-in one. It reads `model.tflite` from QEMU's working folder through semihosting,
// verifies the flatbuffer, builds a tflite::MicroInterpreter with the kernels the firmware links
// (CMSIS-NN, or TFLite Micro's reference kernels in m4_cost_ref.elf) and the streaming state as
// the sketch's model_runner.cpp keeps it (MicroResourceVariables from the same arena), and calls
// the model on a fixed int8 input: once to initialise (CALL_ONCE), then once between m4_mark(1)
// and m4_mark(2) for the instruction trace (firmware/tools/m4_run.py --count: region 1). It prints
// "arena_used_bytes=N" and exits 0, or names what failed and exits 1.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "op_resolver.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#include "tensorflow/lite/schema/schema_generated.h"

extern "C" void semihost_write0(const char* text);
extern "C" int semihost_read_file(const char* path, void* buffer, int capacity);

extern "C" __attribute__((noinline)) void m4_mark(int id) {
  static volatile int g_last_mark;
  g_last_mark = id;
  (void)g_last_mark;
}

namespace {

constexpr int kMaxModelBytes = 256 * 1024;
constexpr int kArenaBytes = 128 * 1024;
alignas(16) uint8_t g_model[kMaxModelBytes];
alignas(16) uint8_t g_arena[kArenaBytes];
char g_line[200];

// The twelve ops firmware/third_party keeps (those of training/models/tcn.py's streaming form):
// a candidate with another op is refused by AllocateTensors, as the sketch would refuse it.
using Resolver = wakeword_sketch::SketchOpResolver<12>;  // the sketch's (its SLICE kernel too)

bool Register(Resolver& resolver) {
  return resolver.AddAssignVariable() == kTfLiteOk && resolver.AddCallOnce() == kTfLiteOk &&
         resolver.AddConcatenation() == kTfLiteOk && resolver.AddConv2D() == kTfLiteOk &&
         resolver.AddDepthwiseConv2D() == kTfLiteOk && resolver.AddFullyConnected() == kTfLiteOk &&
         resolver.AddLogistic() == kTfLiteOk && resolver.AddQuantize() == kTfLiteOk &&
         resolver.AddReadVariable() == kTfLiteOk && resolver.AddReshape() == kTfLiteOk &&
         resolver.AddSlice() == kTfLiteOk && resolver.AddVarHandle() == kTfLiteOk;
}

int Fail(const char* what) {
  snprintf(g_line, sizeof g_line, "FAIL: %s\n", what);
  semihost_write0(g_line);
  return 1;
}

}  // namespace

int main() {
  m4_mark(1);  // an empty region: what the marks themselves cost
  m4_mark(2);
  const int length = semihost_read_file("model.tflite", g_model, kMaxModelBytes);
  if (length == -1) return Fail("cannot open model.tflite in QEMU's working folder");
  if (length == -2) return Fail("model.tflite is larger than this program's 256 KiB buffer");
  if (length <= 0) return Fail("cannot read model.tflite");
  flatbuffers::Verifier verifier(g_model, static_cast<size_t>(length));
  if (!tflite::VerifyModelBuffer(verifier)) return Fail("model.tflite is not a TFLite flatbuffer");
  const tflite::Model* model = tflite::GetModel(g_model);
  static Resolver resolver;
  if (!Register(resolver)) return Fail("op registration");
  tflite::MicroAllocator* allocator = tflite::MicroAllocator::Create(g_arena, kArenaBytes);
  if (allocator == nullptr) return Fail("MicroAllocator::Create");
  tflite::MicroResourceVariables* variables = tflite::MicroResourceVariables::Create(allocator, 32);
  if (variables == nullptr) return Fail("MicroResourceVariables::Create");
  static tflite::MicroInterpreter interpreter(model, resolver, allocator, variables);
  if (interpreter.AllocateTensors() != kTfLiteOk) return Fail("AllocateTensors (see the line above)");
  TfLiteTensor* input = interpreter.input(0);
  if (input == nullptr || input->type != kTfLiteInt8) return Fail("the model's input is not int8");
  for (size_t i = 0; i < input->bytes; ++i) input->data.int8[i] = static_cast<int8_t>((i * 37u + 11u) % 251u - 125);
  if (interpreter.Invoke() != kTfLiteOk) return Fail("the first Invoke");
  m4_mark(1);
  const TfLiteStatus status = interpreter.Invoke();
  m4_mark(2);
  if (status != kTfLiteOk) return Fail("Invoke");
  snprintf(g_line, sizeof g_line, "arena_used_bytes=%d model_bytes=%d\n",
           static_cast<int>(interpreter.arena_used_bytes()), length);
  semihost_write0(g_line);
  return 0;
}
