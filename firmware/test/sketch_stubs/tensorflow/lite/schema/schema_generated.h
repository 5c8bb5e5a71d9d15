#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <stdint.h>
#include <stddef.h>
namespace flatbuffers { struct String { const char* c_str() const; };
template <typename T> struct Vector { uint32_t size() const; T Get(uint32_t i) const; }; template <typename T> struct Offset {}; }
namespace tflite {
enum BuiltinOperator : int32_t { BuiltinOperator_VAR_HANDLE = 142 };
struct OperatorCode {};
struct VarHandleOptions { const flatbuffers::String* shared_name() const; };
struct Operator { uint32_t opcode_index() const; const VarHandleOptions* builtin_options_as_VarHandleOptions() const; };
struct SubGraph { const flatbuffers::Vector<const Operator*>* operators() const; };
struct Model { uint32_t version() const; const flatbuffers::Vector<const OperatorCode*>* operator_codes() const; const flatbuffers::Vector<const SubGraph*>* subgraphs() const; };
inline const Model* GetModel(const void* buf) { return static_cast<const Model*>(buf); }
}
