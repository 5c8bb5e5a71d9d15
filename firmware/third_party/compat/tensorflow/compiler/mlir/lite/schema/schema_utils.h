// Written for this project (the vendored TFLite Micro sources include TensorFlow's file of this
// name; the archive does not hold it): the builtin code of an operator code of the schema.
#ifndef TENSORFLOW_COMPILER_MLIR_LITE_SCHEMA_SCHEMA_UTILS_H_
#define TENSORFLOW_COMPILER_MLIR_LITE_SCHEMA_SCHEMA_UTILS_H_

#include "tensorflow/lite/schema/schema_generated.h"

namespace tflite {

// The schema keeps codes below 127 in the int8 field deprecated_builtin_code and newer ones in
// builtin_code; a model writes one of them (the other stays at its default): the larger is it.
BuiltinOperator GetBuiltinCode(const OperatorCode* op_code);
BuiltinOperator GetBuiltinCode(const OperatorCodeT* op_code);

}  // namespace tflite

#endif  // TENSORFLOW_COMPILER_MLIR_LITE_SCHEMA_SCHEMA_UTILS_H_
