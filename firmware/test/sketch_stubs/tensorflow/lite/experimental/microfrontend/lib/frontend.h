#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <stdint.h>
#include <stdlib.h>
#ifdef __cplusplus
extern "C" {
#endif
struct FrontendState { int opaque[64]; };
struct FrontendOutput { const uint16_t* values; size_t size; };
struct FrontendOutput FrontendProcessSamples(struct FrontendState* state, const int16_t* samples, size_t num_samples, size_t* num_samples_read);
void FrontendReset(struct FrontendState* state);
#ifdef __cplusplus
}
#endif
