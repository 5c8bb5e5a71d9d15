#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include "tensorflow/lite/schema/schema_generated.h"
namespace tflite { BuiltinOperator GetBuiltinCode(const OperatorCode* op_code); }
