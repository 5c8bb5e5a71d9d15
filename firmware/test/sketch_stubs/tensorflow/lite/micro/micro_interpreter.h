#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <stdint.h>
#include <stddef.h>
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
#define TFLITE_SCHEMA_VERSION (3)
typedef enum { kTfLiteNoType = 0, kTfLiteFloat32 = 1, kTfLiteInt32 = 2, kTfLiteUInt8 = 3, kTfLiteInt8 = 9 } TfLiteType;
typedef enum { kTfLiteNoQuantization = 0, kTfLiteAffineQuantization = 1 } TfLiteQuantizationType;
typedef struct { TfLiteQuantizationType type; void* params; } TfLiteQuantization;
typedef struct { float scale; int32_t zero_point; } TfLiteQuantizationParams;
typedef struct { int size; int data[]; } TfLiteIntArray;
typedef union { int32_t* i32; float* f; uint8_t* uint8; int8_t* int8; void* data; } TfLitePtrUnion;
typedef struct { TfLiteType type; TfLitePtrUnion data; TfLiteIntArray* dims; TfLiteQuantizationParams params; TfLiteQuantization quantization; } TfLiteTensor;
namespace tflite {
class MicroInterpreter { public:
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver, MicroAllocator* allocator, MicroResourceVariables* resource_variables = nullptr, void* profiler = nullptr);
  ~MicroInterpreter(); TfLiteStatus AllocateTensors(); TfLiteStatus Invoke(); TfLiteTensor* input(size_t index); TfLiteTensor* output(size_t index);
  size_t arena_used_bytes() const; TfLiteStatus Reset(); };
}
