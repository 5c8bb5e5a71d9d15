// Responder: what the board does when a wake word is detected.
//
//   * RGB LED: lit for kLedOnMs in the keyword's colour (keyword 0 green,
//     1 blue, 2 red, then mixes); solid red blinking means setup failed.
//   * Serial: one line per detection,
//       detection keyword=alexa index=0 score=213 t_ms=12340 seq=1
//   * BLE (ArduinoBLE): a GATT service whose "detection" characteristic
//     notifies 8 bytes per detection (see firmware/README.md, "BLE protocol"):
//       byte 0     keyword index (manifest "keywords" order)
//       byte 1     score, 0..255 (window mean of probability * 256)
//       bytes 2-5  t_ms, uint32 little-endian: stream time of the detection
//       bytes 6-7  sequence number, uint16 little-endian, +1 per detection
//     a read-only "keywords" characteristic: the keyword names, comma separated,
//     and a read-only "health" characteristic, updated once a minute: the model-health
//     counters of src/health.h (wakeword.health.decode_payload reads them; no audio).

#ifndef WAKEWORD_NANO33BLE_RESPONDER_H_
#define WAKEWORD_NANO33BLE_RESPONDER_H_

#include <stdint.h>

namespace wakeword_sketch {

// Size of one detection notification.
constexpr int kDetectionPayloadBytes = 8;
// Largest health payload the characteristic holds (src/health_layout.h: kHealthPayloadBytes).
constexpr int kHealthPayloadMaxBytes = 128;

// Writes the detection payload above into `out` (kDetectionPayloadBytes bytes).
void EncodeDetection(int keyword, uint8_t score, uint32_t t_ms, uint16_t sequence,
                     uint8_t* out);

// Sets up the LED pins and the BLE service. Returns false when the BLE radio did
// not start (the LED and Serial output still work).
bool ResponderBegin();

// Reports one detection on the LED, Serial and BLE.
void RespondToDetection(int keyword, uint8_t score, uint32_t t_ms, uint32_t now_ms);

// Publishes the model-health counters (HealthCounters::Serialize) on BLE.
void PublishHealth(const uint8_t* payload, int length);

// Call from loop(): turns the LED off when its time is up and services BLE.
void ResponderUpdate(uint32_t now_ms);

// Blinks the red LED forever-style (one call per loop()) after a failed setup.
void ResponderShowError(uint32_t now_ms);

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_RESPONDER_H_
