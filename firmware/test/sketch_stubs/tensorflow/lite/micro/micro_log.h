#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
// format attribute: -Wformat checks the sketch's MicroPrintf arguments on the host
void MicroPrintf(const char* format, ...) __attribute__((format(printf, 1, 2)));
