#include "model_runner.h"

#include <math.h>
#include <new>
#include <string.h>

#include "model_ops.h"
#include "op_resolver.h"
#include "quantization.h"
#include "sketch_config.h"
#include "src/model_data.h"
#include "src/model_select.h"
#include "update_slot.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#include "tensorflow/lite/schema/schema_generated.h"
#include "tensorflow/lite/schema/schema_utils.h"

namespace wakeword_sketch {
namespace {

using OpResolver = SketchOpResolver<kOpCount>;  // op_resolver.h: TFLite Micro's, with a faster SLICE

// The tensor arena: tensors, kernel state, and the streaming resource variables. (A test
// build may give it less, -DWAKEWORD_TENSOR_ARENA_BYTES=..., to check the error path.)
#ifndef WAKEWORD_TENSOR_ARENA_BYTES
#define WAKEWORD_TENSOR_ARENA_BYTES kTensorArenaBytes
#endif
alignas(16) uint8_t g_tensor_arena[WAKEWORD_TENSOR_ARENA_BYTES];

// The interpreter lives in static storage and is rebuilt in place by Reset().
alignas(tflite::MicroInterpreter) uint8_t g_interpreter_storage[sizeof(tflite::MicroInterpreter)];
tflite::MicroInterpreter* g_interpreter = nullptr;

const tflite::Model* g_model = nullptr;
wakeword::ModelSelection g_selection;  // which slot the model comes from, and why
OpResolver* g_resolver = nullptr;
int g_resource_variables = 0;
TfLiteTensor* g_input = nullptr;
TfLiteTensor* g_output = nullptr;
int g_frames_in_input = 0;  // frames already copied into the input tensor
bool g_output_is_score = false;
double g_output_scale = 0.0;
int g_output_zero_point = 0;

// Distinct VAR_HANDLE shared names in all subgraphs: the number of resource
// variables, counted like tflite_micro.runtime.count_resource_variables().
// Returns -1 for a model with more than kMaxNames variables.
int CountResourceVariables(const tflite::Model* model) {
  constexpr int kMaxNames = 64;
  const char* names[kMaxNames];
  int count = 0;
  const auto* codes = model->operator_codes();
  const auto* subgraphs = model->subgraphs();
  if (codes == nullptr || subgraphs == nullptr) return 0;
  for (uint32_t s = 0; s < subgraphs->size(); ++s) {
    const auto* operators = subgraphs->Get(s)->operators();
    if (operators == nullptr) continue;
    for (uint32_t o = 0; o < operators->size(); ++o) {
      const tflite::Operator* op = operators->Get(o);
      if (op->opcode_index() >= codes->size()) continue;
      if (tflite::GetBuiltinCode(codes->Get(op->opcode_index())) !=
          tflite::BuiltinOperator_VAR_HANDLE) {
        continue;
      }
      const tflite::VarHandleOptions* options = op->builtin_options_as_VarHandleOptions();
      const char* name = (options != nullptr && options->shared_name() != nullptr)
                             ? options->shared_name()->c_str()
                             : "";
      bool seen = false;
      for (int i = 0; i < count && !seen; ++i) seen = strcmp(names[i], name) == 0;
      if (seen) continue;
      if (count == kMaxNames) return -1;
      names[count++] = name;
    }
  }
  return count;
}

bool NearlyEqual(double a, double b) {
  const double larger = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= 1e-6 * larger;
}

// Scale and zero point of a per-tensor quantized tensor.
bool TensorQuantization(const TfLiteTensor* tensor, double* scale, int* zero_point) {
  if (tensor->quantization.type != kTfLiteAffineQuantization) return false;
  *scale = static_cast<double>(tensor->params.scale);
  *zero_point = static_cast<int>(tensor->params.zero_point);
  return true;
}

// (Re)builds the interpreter over the whole arena, as the tflite-micro Python
// interpreter does: allocator first, resource variables from it, then the graph.
bool CreateInterpreter() {
  if (g_interpreter != nullptr) {
    g_interpreter->~MicroInterpreter();
    g_interpreter = nullptr;
  }
  tflite::MicroAllocator* allocator =
      tflite::MicroAllocator::Create(g_tensor_arena, sizeof(g_tensor_arena));
  if (allocator == nullptr) {
    MicroPrintf("MicroAllocator::Create failed (arena %d bytes)", static_cast<int>(sizeof(g_tensor_arena)));
    return false;
  }
  tflite::MicroResourceVariables* variables = nullptr;
  if (g_resource_variables > 0) {
    variables = tflite::MicroResourceVariables::Create(allocator, g_resource_variables);
    if (variables == nullptr) {
      MicroPrintf("MicroResourceVariables::Create(%d) failed", g_resource_variables);
      return false;
    }
  }
  g_interpreter = new (g_interpreter_storage)
      tflite::MicroInterpreter(g_model, *g_resolver, allocator, variables);
  if (g_interpreter->AllocateTensors() != kTfLiteOk) {
    MicroPrintf("AllocateTensors() failed (the line above says why): an op this firmware does not "
                "register, or the %d-byte arena too small for the model", static_cast<int>(sizeof(g_tensor_arena)));
    return false;
  }
  g_input = g_interpreter->input(0);
  g_output = g_interpreter->output(0);
  g_frames_in_input = 0;
  return g_input != nullptr && g_output != nullptr;
}

// The input/output tensors must be what model_settings.h (the manifest) says.
bool CheckTensors() {
  const TfLiteIntArray* in = g_input->dims;
  if (g_input->type != kTfLiteInt8 || in->size != 3 || in->data[0] != 1 ||
      in->data[1] != kStrideFrames || in->data[2] != kFeatureChannels) {
    MicroPrintf("input tensor is not int8 [1, %d, %d] as model_settings.h says",
                kStrideFrames, kFeatureChannels);
    return false;
  }
  double scale = 0.0;
  int zero_point = 0;
  if (!TensorQuantization(g_input, &scale, &zero_point) ||
      !NearlyEqual(scale, static_cast<double>(kInputScale)) || zero_point != kInputZeroPoint) {
    MicroPrintf("input quantization differs from model_settings.h");
    return false;
  }
  const TfLiteIntArray* out = g_output->dims;
  if (out->size != 2 || out->data[0] != 1 || out->data[1] != kKeywordCount) {
    MicroPrintf("output tensor is not [1, %d]", kKeywordCount);
    return false;
  }
  switch (g_output->type) {
    case kTfLiteUInt8:
    case kTfLiteInt8:
      if (!TensorQuantization(g_output, &g_output_scale, &g_output_zero_point) ||
          !NearlyEqual(g_output_scale, static_cast<double>(kOutputScale)) ||
          g_output_zero_point != kOutputZeroPoint) {
        MicroPrintf("output quantization differs from model_settings.h");
        return false;
      }
      break;
    case kTfLiteFloat32:
      break;
    default:
      MicroPrintf("output tensor type %d is not uint8, int8 or float32", g_output->type);
      return false;
  }
  g_output_is_score =
      OutputIsScore(g_output->type == kTfLiteUInt8, g_output_scale, g_output_zero_point);
  return true;
}

void ReadScores(uint8_t* scores) {
  for (int k = 0; k < kKeywordCount; ++k) {
    switch (g_output->type) {
      case kTfLiteUInt8:
        scores[k] = g_output_is_score
                        ? g_output->data.uint8[k]
                        : ScoreFromQuantized(g_output->data.uint8[k], g_output_scale,
                                             g_output_zero_point);
        break;
      case kTfLiteInt8:
        scores[k] = ScoreFromQuantized(g_output->data.int8[k], g_output_scale,
                                       g_output_zero_point);
        break;
      default:  // kTfLiteFloat32 (checked in CheckTensors)
        scores[k] = ScoreFromProbability(static_cast<double>(g_output->data.f[k]));
        break;
    }
  }
}

// A streaming model's state starts zero-filled, unlike anything it saw in training. As
// wakeword.model.ModelRunner does on every reset, run a receptive field of silence through it:
// the frontend's output for digital silence is all zeros, which quantizes to the input zero point.
bool PrimeWithSilence() {
  constexpr int kCalls = (kReceptiveFieldFrames + kStrideFrames - 1) / kStrideFrames;
  for (int call = 0; call < kCalls; ++call) {
    memset(g_input->data.int8, static_cast<int8_t>(kInputZeroPoint), kStrideFrames * kFeatureChannels);
    if (g_interpreter->Invoke() != kTfLiteOk) return false;
  }
  g_frames_in_input = 0;
  return true;
}

int Int(uint32_t value) { return static_cast<int>(value); }

// One Serial line per slot: which model runs, and why the update slot did not.
void ReportSelection(const wakeword::ModelSelection& s) {
  const wakeword::ModelSlotInfo& update = s.update_info;
  if (s.update_status == wakeword::ModelSlotStatus::kBadMagic) {
    MicroPrintf("wakeword: update slot empty (bad_magic: erased, never written)");
  } else if (s.update_status != wakeword::ModelSlotStatus::kOk) {
    MicroPrintf("wakeword: update slot refused: %s",
                wakeword::ModelSlotStatusName(s.update_status));
  } else if (s.update_not_newer) {
    MicroPrintf("wakeword: update slot refused: version %d.%d.%d is not newer than the "
                "built-in model (no downgrades)",
                update.version_major, update.version_minor, update.version_patch);
  }
  if (s.source == wakeword::ModelSource::kNone) {
    MicroPrintf("wakeword: built-in model slot refused: %s (damaged firmware image); "
                "no model will run", wakeword::ModelSlotStatusName(s.builtin_status));
    return;
  }
  MicroPrintf("wakeword: running the %s model slot: version %d.%d.%d, %d bytes",
              wakeword::ModelSourceName(s.source), s.info.version_major, s.info.version_minor,
              s.info.version_patch, Int(s.info.model_length));
}

// Maps the model at `model_data` (checked by CheckModelSlot: the bytes are the ones
// written, not that they are a model), verifies it is a TFLite flatbuffer whose every
// offset stays inside its `length` bytes, builds the interpreter and checks its
// tensors against model_settings.h.
bool StartModel(const uint8_t* model_data, uint32_t length) {
  flatbuffers::Verifier verifier(model_data, length);
  if (!tflite::VerifyModelBuffer(verifier)) {
    MicroPrintf("the model is not a TFLite flatbuffer (%d bytes fail the schema's verifier)", Int(length));
    return false;
  }
  g_model = tflite::GetModel(model_data);
  if (g_model->version() != TFLITE_SCHEMA_VERSION) {
    MicroPrintf("model schema version %d, this TFLite Micro reads %d",
                static_cast<int>(g_model->version()), TFLITE_SCHEMA_VERSION);
    return false;
  }
  if (g_resolver == nullptr) {
    static OpResolver resolver;  // static: constructed once, no heap
    const int failures = RegisterModelOps(resolver);
    if (failures != 0) {
      MicroPrintf("%d of %d op registrations failed", failures, kOpCount);
      return false;
    }
    g_resolver = &resolver;
  }
  g_resource_variables = CountResourceVariables(g_model);
  if (g_resource_variables < 0) {
    MicroPrintf("the model has too many resource variables");
    return false;
  }
  return CreateInterpreter() && CheckTensors() && PrimeWithSilence();
}

}  // namespace

bool ModelRunnerBegin(ModelInfo* info) {
  // The built-in model is a model slot too (src/model_data.cc): both slots are checked
  // (magic, header CRC, length, sha256) before any byte of a model is used.
  const wakeword::ModelSlotStatus status =
      wakeword::SelectModel(g_wakeword_model_slot, g_wakeword_model_slot_len, UpdateSlot(),
                            kUpdateSlotBytes, &g_selection);
  ReportSelection(g_selection);
  if (status != wakeword::ModelSlotStatus::kOk) {
    g_model = nullptr;
    return false;
  }
  if (!StartModel(g_selection.info.model, g_selection.info.model_length)) {
    if (g_selection.source != wakeword::ModelSource::kUpdate) return false;
    // The update passed its checks but does not fit this firmware (ops, tensor shapes
    // or quantization other than model_settings.h, or a larger arena): keep running.
    MicroPrintf("wakeword: the update slot's model does not fit this firmware (above); "
                "running the built-in model");
    wakeword::ModelSlotInfo builtin;
    if (wakeword::CheckModelSlot(g_wakeword_model_slot, g_wakeword_model_slot_len, &builtin) !=
        wakeword::ModelSlotStatus::kOk) {
      return false;  // checked by SelectModel a moment ago: flash does not change
    }
    g_selection.source = wakeword::ModelSource::kBuiltIn;
    g_selection.info = builtin;
    ReportSelection(g_selection);
    if (!StartModel(builtin.model, builtin.model_length)) return false;
  }
  info->source = wakeword::ModelSourceName(g_selection.source);
  info->version_major = g_selection.info.version_major;
  info->version_minor = g_selection.info.version_minor;
  info->version_patch = g_selection.info.version_patch;
  info->model_bytes = g_selection.info.model_length;
  info->input_scale = g_input->params.scale;
  info->input_zero_point = static_cast<int>(g_input->params.zero_point);
  info->arena_used_bytes = g_interpreter->arena_used_bytes();
  info->resource_variables = g_resource_variables;
  return true;
}

int ModelRunnerPushFrame(const int8_t* frame, uint8_t* scores) {
  if (g_interpreter == nullptr) return -1;
  memcpy(g_input->data.int8 + g_frames_in_input * kFeatureChannels, frame, kFeatureChannels);
  if (++g_frames_in_input < kStrideFrames) return 0;
  g_frames_in_input = 0;
  if (g_interpreter->Invoke() != kTfLiteOk) return -1;
  ReadScores(scores);
  return 1;
}

bool ModelRunnerReset() {
  if (g_model == nullptr || g_resolver == nullptr) return false;
  return CreateInterpreter() && PrimeWithSilence();
}

}  // namespace wakeword_sketch
