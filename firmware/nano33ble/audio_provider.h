// Audio provider: the PDM microphone, 16 kHz mono int16, into a lock-free ring.
//
// The PDM library calls OnPdmData() (audio_provider.cpp) from its interrupt
// handler each time a 256-sample buffer is full; that callback copies the samples
// into a wakeword::AudioRingBuffer (firmware/src/ring_buffer.h): no allocation,
// no locks, nothing that can block. loop() drains the ring with
// AudioProviderRead(). When loop() falls behind by more than the ring holds
// (512 ms), the newest samples are dropped and AudioProviderOverruns() changes,
// so the caller can restart its feature stream instead of splicing audio.
//
// The microphone is the MP34DT05/MP34DT06 of the Nano 33 BLE Sense (Rev1/Rev2);
// a plain Nano 33 BLE needs a PDM microphone on the PDM pins of the variant.

#ifndef WAKEWORD_NANO33BLE_AUDIO_PROVIDER_H_
#define WAKEWORD_NANO33BLE_AUDIO_PROVIDER_H_

#include <stdint.h>

namespace wakeword_sketch {

// Starts the microphone (mono, kSampleRateHz, library default gain). Returns
// false when the PDM peripheral refuses the settings.
bool AudioProviderBegin();

// Moves up to `max_count` of the oldest samples to `out`; returns how many (0
// when no audio is waiting). Main loop only.
uint32_t AudioProviderRead(int16_t* out, uint32_t max_count);

// Samples dropped because the ring was full, since AudioProviderBegin().
uint32_t AudioProviderDroppedSamples();

// Number of interrupts that had to drop samples; a change means a gap in the stream.
uint32_t AudioProviderOverruns();

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_AUDIO_PROVIDER_H_
