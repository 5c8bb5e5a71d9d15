#include "responder.h"

#include <Arduino.h>
#include <ArduinoBLE.h>

#include "sketch_config.h"

namespace wakeword_sketch {
namespace {

// 128-bit UUIDs of the wakeword GATT service and its characteristics.
constexpr char kServiceUuid[] = "cc9b1d5f-516e-42ef-b2a2-ce0a230f0001";
constexpr char kDetectionUuid[] = "cc9b1d5f-516e-42ef-b2a2-ce0a230f0002";
constexpr char kKeywordsUuid[] = "cc9b1d5f-516e-42ef-b2a2-ce0a230f0003";
constexpr char kHealthUuid[] = "cc9b1d5f-516e-42ef-b2a2-ce0a230f0004";
constexpr char kLocalName[] = "wakeword";
constexpr int kKeywordsMaxBytes = 200;

BLEService g_service(kServiceUuid);
BLECharacteristic g_detection(kDetectionUuid, BLERead | BLENotify, kDetectionPayloadBytes,
                              /*fixedLength=*/true);
BLECharacteristic g_keywords(kKeywordsUuid, BLERead, kKeywordsMaxBytes);
// Read only: 124 bytes exceed a notification at the default MTU (20 bytes); a read of a long value is
// split into Read Blob requests by the client's BLE stack.
BLECharacteristic g_health(kHealthUuid, BLERead, kHealthPayloadMaxBytes);
bool g_ble_ready = false;

uint16_t g_sequence = 0;
bool g_led_on = false;
uint32_t g_led_off_at_ms = 0;

// The RGB LED of the Nano 33 BLE is active low.
constexpr uint8_t kRed = 1, kGreen = 2, kBlue = 4;
constexpr uint8_t kKeywordColours[wakeword::kMaxKeywords] = {
    kGreen, kBlue, kRed, kGreen | kBlue, kRed | kBlue, kRed | kGreen, kRed | kGreen | kBlue, kGreen};

void SetLed(uint8_t colours) {
  digitalWrite(LEDR, (colours & kRed) ? LOW : HIGH);
  digitalWrite(LEDG, (colours & kGreen) ? LOW : HIGH);
  digitalWrite(LEDB, (colours & kBlue) ? LOW : HIGH);
}

// "alexa,hey_jarvis": the names behind the keyword indexes, for the BLE client.
int KeywordList(char* out, int capacity) {
  int used = 0;
  for (int k = 0; k < kKeywordCount; ++k) {
    const char* name = kKeywords[k];
    if (k > 0 && used < capacity) out[used++] = ',';
    for (int i = 0; name[i] != '\0' && used < capacity; ++i) out[used++] = name[i];
  }
  return used;
}

}  // namespace

void EncodeDetection(int keyword, uint8_t score, uint32_t t_ms, uint16_t sequence,
                     uint8_t* out) {
  out[0] = static_cast<uint8_t>(keyword);
  out[1] = score;
  for (int i = 0; i < 4; ++i) out[2 + i] = static_cast<uint8_t>(t_ms >> (8 * i));
  out[6] = static_cast<uint8_t>(sequence);
  out[7] = static_cast<uint8_t>(sequence >> 8);
}

bool ResponderBegin() {
  pinMode(LEDR, OUTPUT);
  pinMode(LEDG, OUTPUT);
  pinMode(LEDB, OUTPUT);
  SetLed(0);
  if (!BLE.begin()) return false;
  BLE.setLocalName(kLocalName);
  BLE.setAdvertisedService(g_service);
  g_service.addCharacteristic(g_detection);
  g_service.addCharacteristic(g_keywords);
  g_service.addCharacteristic(g_health);
  BLE.addService(g_service);
  uint8_t initial[kDetectionPayloadBytes] = {};
  g_detection.writeValue(initial, kDetectionPayloadBytes);
  char names[kKeywordsMaxBytes];
  g_keywords.writeValue(reinterpret_cast<const uint8_t*>(names), KeywordList(names, sizeof(names)));
  BLE.advertise();
  g_ble_ready = true;
  return true;
}

void RespondToDetection(int keyword, uint8_t score, uint32_t t_ms, uint32_t now_ms) {
  ++g_sequence;
  SetLed(kKeywordColours[keyword % wakeword::kMaxKeywords]);
  g_led_on = true;
  g_led_off_at_ms = now_ms + kLedOnMs;

  Serial.print("detection keyword=");
  Serial.print(kKeywords[keyword]);
  Serial.print(" index=");
  Serial.print(keyword);
  Serial.print(" score=");
  Serial.print(score);
  Serial.print(" t_ms=");
  Serial.print(t_ms);
  Serial.print(" seq=");
  Serial.println(g_sequence);

  if (g_ble_ready) {
    uint8_t payload[kDetectionPayloadBytes];
    EncodeDetection(keyword, score, t_ms, g_sequence, payload);
    g_detection.writeValue(payload, kDetectionPayloadBytes);  // notifies subscribers
  }
}

void PublishHealth(const uint8_t* payload, int length) {
  if (g_ble_ready && length > 0 && length <= kHealthPayloadMaxBytes) {
    g_health.writeValue(payload, length);  // the value a client reads next
  }
}

void ResponderUpdate(uint32_t now_ms) {
  if (g_led_on && static_cast<int32_t>(now_ms - g_led_off_at_ms) >= 0) {
    SetLed(0);
    g_led_on = false;
  }
  if (g_ble_ready) BLE.poll();
}

void ResponderShowError(uint32_t now_ms) {
  SetLed((now_ms / 250) % 2 == 0 ? kRed : 0);
}

}  // namespace wakeword_sketch
