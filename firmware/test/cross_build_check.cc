// Compiled only by `make cross`: instantiates the portable core for the
// Cortex-M4F the way a sketch would, so arm-none-eabi-size reports its footprint
// (bss: one StreamingDetector and a 4096-sample (256 ms) audio ring buffer).

#include "../src/detector.h"
#include "../src/manifest_check.h"
#include "../src/ring_buffer.h"

namespace wakeword {

// Every member function of the ring buffer, compiled for the target.
template class AudioRingBuffer<4096>;

static_assert(DetectorSettingsValid(kMaxKeywords, kMaxWindow, kMaxRefractoryMs),
              "the limits themselves must be valid settings");
static_assert(!DetectorSettingsValid(kMaxKeywords + 1, 5, 2000), "too many keywords");
static_assert(!DetectorSettingsValid(1, 0, 2000), "empty window");

}  // namespace wakeword

// Zero-initialized at compile time: no static constructors, all in .bss.
wakeword::StreamingDetector g_detector;
wakeword::AudioRingBuffer<4096> g_audio_ring;
