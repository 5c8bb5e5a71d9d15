#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <stdint.h>
#include <stddef.h>
namespace tflite { enum class MemoryPlannerType { kGreedy, kLinear };
class MicroAllocator { public: static MicroAllocator* Create(uint8_t* tensor_arena, size_t arena_size, MemoryPlannerType memory_planner_type = MemoryPlannerType::kGreedy); size_t used_bytes() const; }; }
