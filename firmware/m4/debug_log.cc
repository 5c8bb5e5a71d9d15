// DebugLog for the emulated board (TFLite Micro's MicroPrintf ends here): formatted, then written through semihosting.
#include <cstdarg>
#include <cstdio>
#include "tensorflow/lite/micro/debug_log.h"
extern "C" void semihost_write0(const char* s);
extern "C" void DebugLog(const char* format, va_list args) {
  char buffer[256];
  vsnprintf(buffer, sizeof buffer, format, args);
  semihost_write0(buffer);
}
extern "C" int DebugVsnprintf(char* buffer, size_t buf_size, const char* format, va_list vlist) {
  return vsnprintf(buffer, buf_size, format, vlist);
}
