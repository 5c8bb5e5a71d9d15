#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <Arduino.h>
enum BLEProperty { BLEBroadcast = 0x01, BLERead = 0x02, BLEWriteWithoutResponse = 0x04, BLEWrite = 0x08, BLENotify = 0x10, BLEIndicate = 0x20 };
class BLECharacteristic { public: BLECharacteristic(const char* uuid, uint16_t permissions, int valueSize, bool fixedLength = false);
  int writeValue(const uint8_t value[], int length, bool withResponse = true); int writeValue(const void* value, int length, bool withResponse = true); };
class BLEService { public: BLEService(const char* uuid); void addCharacteristic(BLECharacteristic& characteristic); };
class BLELocalDevice { public: int begin(); bool setLocalName(const char*); bool setAdvertisedService(const BLEService&); void addService(BLEService&); int advertise(); void poll(); void poll(unsigned long timeout); };
extern BLELocalDevice& BLE;
