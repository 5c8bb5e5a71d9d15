#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <Arduino.h>
class PDMClass { public: int begin(int channels, int sampleRate); void end(); virtual int available(); virtual int read(void* buffer, size_t size);
 void onReceive(void(*)(void)); void setGain(int gain); void setBufferSize(int bufferSize); };
extern PDMClass PDM;
