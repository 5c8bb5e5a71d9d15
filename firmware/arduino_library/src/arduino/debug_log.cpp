// DebugLog for the board: TFLite Micro's MicroPrintf ends here, formatted and written to Serial
// (the USB serial port the sketch opens in setup()). The emulated board's version is
// firmware/m4/debug_log.cc (semihosting).
#include <Arduino.h>

#include <cstdarg>
#include <cstdio>

#include "tensorflow/lite/micro/debug_log.h"

extern "C" void DebugLog(const char* format, va_list args) {
  char buffer[256];
  vsnprintf(buffer, sizeof buffer, format, args);
  Serial.print(buffer);
}

extern "C" int DebugVsnprintf(char* buffer, size_t buf_size, const char* format, va_list vlist) {
  return vsnprintf(buffer, buf_size, format, vlist);
}
