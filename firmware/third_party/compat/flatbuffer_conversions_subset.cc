// Written for this project, in place of TensorFlow Lite's core/api/flatbuffer_conversions.cc (which
// parses the options of every builtin op, and needs the option structs of all of them): the tensor
// type conversion and the option parsers of the ops the firmware's models use. A model with
// another op is refused by the op resolver before any parser runs.
#include <cstring>

#include "tensorflow/lite/core/api/flatbuffer_conversions.h"
#include "tensorflow/lite/core/c/builtin_op_data.h"

namespace tflite {
namespace {

TfLiteFusedActivation ConvertActivation(ActivationFunctionType activation) {
  switch (activation) {
    case ActivationFunctionType_RELU:
      return kTfLiteActRelu;
    case ActivationFunctionType_RELU_N1_TO_1:
      return kTfLiteActReluN1To1;
    case ActivationFunctionType_RELU6:
      return kTfLiteActRelu6;
    case ActivationFunctionType_TANH:
      return kTfLiteActTanh;
    case ActivationFunctionType_SIGN_BIT:
      return kTfLiteActSignBit;
    default:
      return kTfLiteActNone;
  }
}

TfLitePadding ConvertPadding(Padding padding) {
  switch (padding) {
    case Padding_SAME:
      return kTfLitePaddingSame;
    case Padding_VALID:
      return kTfLitePaddingValid;
    default:
      return kTfLitePaddingUnknown;
  }
}

// The options struct of one op, zeroed, from the interpreter's allocator (nullptr when it has no room).
template <typename T>
T* NewParams(BuiltinDataAllocator* allocator) {
  return allocator == nullptr ? nullptr : allocator->AllocatePOD<T>();
}

TfLiteStatus NoOptions(const Operator*, ErrorReporter*, BuiltinDataAllocator*, void** builtin_data) {
  if (builtin_data != nullptr) *builtin_data = nullptr;
  return kTfLiteOk;
}

}  // namespace

TfLiteStatus ConvertTensorType(TensorType tensor_type, TfLiteType* type, ErrorReporter* error_reporter) {
  switch (tensor_type) {
    case TensorType_FLOAT32: *type = kTfLiteFloat32; return kTfLiteOk;
    case TensorType_FLOAT16: *type = kTfLiteFloat16; return kTfLiteOk;
    case TensorType_FLOAT64: *type = kTfLiteFloat64; return kTfLiteOk;
    case TensorType_INT8: *type = kTfLiteInt8; return kTfLiteOk;
    case TensorType_UINT8: *type = kTfLiteUInt8; return kTfLiteOk;
    case TensorType_INT16: *type = kTfLiteInt16; return kTfLiteOk;
    case TensorType_UINT16: *type = kTfLiteUInt16; return kTfLiteOk;
    case TensorType_INT32: *type = kTfLiteInt32; return kTfLiteOk;
    case TensorType_UINT32: *type = kTfLiteUInt32; return kTfLiteOk;
    case TensorType_INT64: *type = kTfLiteInt64; return kTfLiteOk;
    case TensorType_UINT64: *type = kTfLiteUInt64; return kTfLiteOk;
    case TensorType_BOOL: *type = kTfLiteBool; return kTfLiteOk;
    case TensorType_RESOURCE: *type = kTfLiteResource; return kTfLiteOk;
    case TensorType_INT4: *type = kTfLiteInt4; return kTfLiteOk;
    default:
      *type = kTfLiteNoType;
      TF_LITE_REPORT_ERROR(error_reporter, "Unsupported data type %d in tensor", tensor_type);
      return kTfLiteError;
  }
}

TfLiteStatus ParseConv2D(const Operator* op, ErrorReporter* error_reporter, BuiltinDataAllocator* allocator,
                         void** builtin_data) {
  auto* params = NewParams<TfLiteConvParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  if (const Conv2DOptions* options = op->builtin_options_as_Conv2DOptions()) {
    params->padding = ConvertPadding(options->padding());
    params->stride_width = options->stride_w();
    params->stride_height = options->stride_h();
    params->activation = ConvertActivation(options->fused_activation_function());
    params->dilation_width_factor = options->dilation_w_factor();
    params->dilation_height_factor = options->dilation_h_factor();
    if (ConvertTensorType(options->quantized_bias_type(), &params->quantized_bias_type, error_reporter) !=
        kTfLiteOk) {
      return kTfLiteError;
    }
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseDepthwiseConv2D(const Operator* op, ErrorReporter*, BuiltinDataAllocator* allocator,
                                  void** builtin_data) {
  auto* params = NewParams<TfLiteDepthwiseConvParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  if (const DepthwiseConv2DOptions* options = op->builtin_options_as_DepthwiseConv2DOptions()) {
    params->padding = ConvertPadding(options->padding());
    params->stride_width = options->stride_w();
    params->stride_height = options->stride_h();
    params->depth_multiplier = options->depth_multiplier();
    params->activation = ConvertActivation(options->fused_activation_function());
    params->dilation_width_factor = options->dilation_w_factor();
    params->dilation_height_factor = options->dilation_h_factor();
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseFullyConnected(const Operator* op, ErrorReporter* error_reporter, BuiltinDataAllocator* allocator,
                                 void** builtin_data) {
  auto* params = NewParams<TfLiteFullyConnectedParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  if (const FullyConnectedOptions* options = op->builtin_options_as_FullyConnectedOptions()) {
    params->activation = ConvertActivation(options->fused_activation_function());
    params->keep_num_dims = options->keep_num_dims();
    params->asymmetric_quantize_inputs = options->asymmetric_quantize_inputs();
    if (ConvertTensorType(options->quantized_bias_type(), &params->quantized_bias_type, error_reporter) !=
        kTfLiteOk) {
      return kTfLiteError;
    }
    if (options->weights_format() != FullyConnectedOptionsWeightsFormat_DEFAULT) {
      TF_LITE_REPORT_ERROR(error_reporter, "fully connected: only the default weights format is supported");
      return kTfLiteError;
    }
    params->weights_format = kTfLiteFullyConnectedWeightsFormatDefault;
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseConcatenation(const Operator* op, ErrorReporter*, BuiltinDataAllocator* allocator,
                                void** builtin_data) {
  auto* params = NewParams<TfLiteConcatenationParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  if (const ConcatenationOptions* options = op->builtin_options_as_ConcatenationOptions()) {
    params->activation = ConvertActivation(options->fused_activation_function());
    params->axis = options->axis();
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseReshape(const Operator* op, ErrorReporter* error_reporter, BuiltinDataAllocator* allocator,
                          void** builtin_data) {
  auto* params = NewParams<TfLiteReshapeParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  const ReshapeOptions* options = op->builtin_options_as_ReshapeOptions();
  if (options != nullptr && options->new_shape() != nullptr) {
    const auto* shape = options->new_shape();
    if (shape->size() > TFLITE_RESHAPE_PARAMS_MAX_DIMENSION_COUNT) {
      TF_LITE_REPORT_ERROR(error_reporter, "reshape: %d dimensions, at most %d", static_cast<int>(shape->size()),
                           TFLITE_RESHAPE_PARAMS_MAX_DIMENSION_COUNT);
      return kTfLiteError;
    }
    for (unsigned i = 0; i < shape->size(); ++i) params->shape[i] = shape->Get(i);
    params->num_dimensions = static_cast<int>(shape->size());
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseCallOnce(const Operator* op, ErrorReporter*, BuiltinDataAllocator* allocator,
                           void** builtin_data) {
  auto* params = NewParams<TfLiteCallOnceParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  if (const CallOnceOptions* options = op->builtin_options_as_CallOnceOptions()) {
    params->init_subgraph_index = options->init_subgraph_index();
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseVarHandle(const Operator* op, ErrorReporter*, BuiltinDataAllocator* allocator,
                            void** builtin_data) {
  auto* params = NewParams<TfLiteVarHandleParams>(allocator);
  if (params == nullptr) return kTfLiteError;
  if (const VarHandleOptions* options = op->builtin_options_as_VarHandleOptions()) {
    if (options->container()) params->container = options->container()->c_str();
    if (options->shared_name()) params->shared_name = options->shared_name()->c_str();
  }
  *builtin_data = params;
  return kTfLiteOk;
}

TfLiteStatus ParseLogistic(const Operator* op, ErrorReporter* r, BuiltinDataAllocator* a, void** d) {
  return NoOptions(op, r, a, d);
}
TfLiteStatus ParseQuantize(const Operator* op, ErrorReporter* r, BuiltinDataAllocator* a, void** d) {
  return NoOptions(op, r, a, d);
}
TfLiteStatus ParseSlice(const Operator* op, ErrorReporter* r, BuiltinDataAllocator* a, void** d) {
  return NoOptions(op, r, a, d);
}
TfLiteStatus ParseAssignVariable(const Operator* op, ErrorReporter* r, BuiltinDataAllocator* a, void** d) {
  return NoOptions(op, r, a, d);
}
TfLiteStatus ParseReadVariable(const Operator* op, ErrorReporter* r, BuiltinDataAllocator* a, void** d) {
  return NoOptions(op, r, a, d);
}

}  // namespace tflite
