#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include "tensorflow/lite/micro/micro_allocator.h"
namespace tflite { class MicroResourceVariables { public: static MicroResourceVariables* Create(MicroAllocator* allocator, int num_variables); }; }
