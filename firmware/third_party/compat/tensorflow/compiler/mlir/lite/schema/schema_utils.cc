// Written for this project: see schema_utils.h.
#include "tensorflow/compiler/mlir/lite/schema/schema_utils.h"

#include <algorithm>

namespace tflite {

BuiltinOperator GetBuiltinCode(const OperatorCode* op_code) {
  return std::max(op_code->builtin_code(), static_cast<BuiltinOperator>(op_code->deprecated_builtin_code()));
}

BuiltinOperator GetBuiltinCode(const OperatorCodeT* op_code) {
  return std::max(op_code->builtin_code, static_cast<BuiltinOperator>(op_code->deprecated_builtin_code));
}

}  // namespace tflite
