#include "audio_provider.h"

#include <Arduino.h>
#include <PDM.h>

#include "sketch_config.h"
#include "src/ring_buffer.h"

namespace wakeword_sketch {
namespace {

// PDM gain of the nRF52840 PDM peripheral (0..80; 20 is the library default).
// The TFLM frontend's PCAN stage normalizes level, but keep this at the value
// the model was validated with on the board.
constexpr int kPdmGain = 20;

// Written by the PDM interrupt, read by loop(); see firmware/src/ring_buffer.h.
wakeword::AudioRingBuffer<kAudioRingSamples> g_audio_ring;

// Interrupt-context scratch: PDM.read() copies a finished DMA buffer here, then
// the samples go into the ring. Static, so the callback never allocates.
int16_t g_pdm_scratch[kPdmScratchSamples];

// Called by the PDM library from PDM_IRQHandler each time a DMA buffer is full.
// It must take every available byte: the library stops the microphone if the
// previous buffer is still unread when the next one completes.
void OnPdmData() {
  int available = PDM.available();
  while (available > 0) {
    const int chunk = available < static_cast<int>(sizeof(g_pdm_scratch))
                          ? available
                          : static_cast<int>(sizeof(g_pdm_scratch));
    const int bytes = PDM.read(g_pdm_scratch, chunk);
    if (bytes <= 0) break;
    g_audio_ring.Write(g_pdm_scratch, static_cast<uint32_t>(bytes) / sizeof(int16_t));
    available -= bytes;
  }
}

}  // namespace

bool AudioProviderBegin() {
  g_audio_ring.Reset();  // the producer is not running yet
  PDM.onReceive(OnPdmData);
  if (!PDM.begin(/*channels=*/1, kSampleRateHz)) return false;
  PDM.setGain(kPdmGain);
  return true;
}

uint32_t AudioProviderRead(int16_t* out, uint32_t max_count) {
  return g_audio_ring.Read(out, max_count);
}

uint32_t AudioProviderDroppedSamples() { return g_audio_ring.dropped_samples(); }

uint32_t AudioProviderOverruns() { return g_audio_ring.overruns(); }

}  // namespace wakeword_sketch
