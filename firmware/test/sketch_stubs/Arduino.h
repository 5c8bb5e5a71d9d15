#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
#include <stdint.h>
#include <stddef.h>
#define HIGH 1
#define LOW 0
#define OUTPUT 1
#define LEDR (22u)
#define LEDG (23u)
#define LEDB (24u)
#define DEC 10
void pinMode(uint8_t, uint8_t);
void digitalWrite(uint8_t, uint8_t);
unsigned long millis();
unsigned long micros();
class Print {
 public:
  size_t print(const char*); size_t print(char); size_t print(unsigned char, int = DEC);
  size_t print(int, int = DEC); size_t print(unsigned int, int = DEC); size_t print(long, int = DEC);
  size_t print(unsigned long, int = DEC); size_t print(long long, int = DEC); size_t print(unsigned long long, int = DEC);
  size_t print(double, int = 2);
  size_t println(const char*); size_t println(char); size_t println(unsigned char, int = DEC);
  size_t println(int, int = DEC); size_t println(unsigned int, int = DEC); size_t println(long, int = DEC);
  size_t println(unsigned long, int = DEC); size_t println(double, int = 2); size_t println();
};
class UART : public Print { public: void begin(unsigned long); explicit operator bool(); };
extern UART Serial;
