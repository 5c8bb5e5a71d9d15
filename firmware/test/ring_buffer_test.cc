// Host tests of firmware/src/ring_buffer.h: empty reads, wraparound, overruns,
// and a producer thread racing a consumer thread (the interrupt / main loop pair).

#include "../src/ring_buffer.h"

#include <stdint.h>

#include <thread>
#include <vector>

#include "test_harness.h"

namespace wakeword_test {
namespace {

using wakeword::AudioRingBuffer;

TEST(RingBufferEmptyRead) {
  AudioRingBuffer<8> ring;
  int16_t out[4] = {7, 7, 7, 7};
  CHECK_EQ(ring.Available(), 0u);
  CHECK_EQ(ring.Free(), 8u);
  CHECK_EQ(ring.Read(out, 4), 0u);
  CHECK_EQ(out[0], 7);  // nothing written to the output
  CHECK_EQ(ring.Read(out, 0), 0u);
  CHECK_EQ(ring.overruns(), 0u);
}

TEST(RingBufferFifoOrder) {
  AudioRingBuffer<8> ring;
  const int16_t in[5] = {-32768, -1, 0, 1, 32767};
  int16_t out[8] = {};
  CHECK_EQ(ring.Write(in, 5), 5u);
  CHECK_EQ(ring.Available(), 5u);
  CHECK_EQ(ring.Read(out, 2), 2u);
  CHECK_EQ(out[0], -32768);
  CHECK_EQ(out[1], -1);
  CHECK_EQ(ring.Read(out, 8), 3u);  // asks for more than there is
  CHECK_EQ(out[0], 0);
  CHECK_EQ(out[1], 1);
  CHECK_EQ(out[2], 32767);
  CHECK_EQ(ring.Available(), 0u);
}

TEST(RingBufferWraparound) {
  AudioRingBuffer<8> ring;
  int16_t in[8];
  int16_t out[8];
  int16_t next_in = 0;
  int16_t next_out = 0;
  // chunks of 5 and 7 against a capacity of 8 cross the end of storage again and again
  for (int round = 0; round < 50; ++round) {
    const uint32_t chunk = (round % 2 == 0) ? 5 : 7;
    for (uint32_t i = 0; i < chunk; ++i) in[i] = next_in++;
    CHECK_EQ(ring.Write(in, chunk), chunk);
    CHECK_EQ(ring.Read(out, chunk), chunk);
    for (uint32_t i = 0; i < chunk; ++i) CHECK_EQ(out[i], next_out++);
  }
  // a completely full buffer that straddles the end of storage
  for (uint32_t i = 0; i < 3; ++i) in[i] = static_cast<int16_t>(100 + i);
  CHECK_EQ(ring.Write(in, 3), 3u);
  for (uint32_t i = 0; i < 5; ++i) in[i] = static_cast<int16_t>(103 + i);
  CHECK_EQ(ring.Write(in, 5), 5u);
  CHECK_EQ(ring.Free(), 0u);
  CHECK_EQ(ring.Read(out, 8), 8u);
  for (int i = 0; i < 8; ++i) CHECK_EQ(out[i], 100 + i);
  CHECK_EQ(ring.overruns(), 0u);
}

TEST(RingBufferOverrunDropsNewest) {
  AudioRingBuffer<8> ring;
  int16_t in[10];
  int16_t out[8];
  for (int i = 0; i < 10; ++i) in[i] = static_cast<int16_t>(i);
  CHECK_EQ(ring.Write(in, 10), 8u);
  CHECK_EQ(ring.dropped_samples(), 2u);
  CHECK_EQ(ring.overruns(), 1u);
  CHECK_EQ(ring.Write(in, 1), 0u);  // full
  CHECK_EQ(ring.dropped_samples(), 3u);
  CHECK_EQ(ring.overruns(), 2u);
  CHECK_EQ(ring.Write(in, 0), 0u);  // an empty write is no overrun
  CHECK_EQ(ring.overruns(), 2u);
  CHECK_EQ(ring.Read(out, 8), 8u);
  for (int i = 0; i < 8; ++i) CHECK_EQ(out[i], i);  // the oldest samples survived
  CHECK_EQ(ring.Write(in + 8, 2), 2u);           // room again
  CHECK_EQ(ring.Read(out, 8), 2u);
  CHECK_EQ(out[0], 8);
  CHECK_EQ(out[1], 9);
  ring.Reset();
  CHECK_EQ(ring.overruns(), 0u);
  CHECK_EQ(ring.dropped_samples(), 0u);
  CHECK_EQ(ring.Available(), 0u);
}

// The producer only writes what fits: the consumer must see every sample, in order.
TEST(RingBufferThreadsLossless) {
  static AudioRingBuffer<256> ring;
  ring.Reset();
  constexpr uint32_t kTotal = 200000;
  std::thread producer([] {
    int16_t chunk[37];
    uint32_t sent = 0;
    while (sent < kTotal) {
      uint32_t n = ring.Free();
      if (n > 37) n = 37;
      if (n > kTotal - sent) n = kTotal - sent;
      for (uint32_t i = 0; i < n; ++i) chunk[i] = static_cast<int16_t>((sent + i) & 0x7fff);
      sent += ring.Write(chunk, n);
      if (n == 0) std::this_thread::yield();
    }
  });
  int16_t out[53];
  uint32_t received = 0;
  bool in_order = true;
  while (received < kTotal) {
    const uint32_t n = ring.Read(out, 53);
    for (uint32_t i = 0; i < n; ++i) {
      in_order = in_order && out[i] == static_cast<int16_t>((received + i) & 0x7fff);
    }
    received += n;
    if (n == 0) std::this_thread::yield();
  }
  producer.join();
  CHECK(in_order);
  CHECK_EQ(received, kTotal);
  CHECK_EQ(ring.overruns(), 0u);
}

// The producer writes regardless of room (as an interrupt must): every sample is
// either received or counted as dropped.
TEST(RingBufferThreadsWithOverruns) {
  static AudioRingBuffer<64> ring;
  ring.Reset();
  constexpr uint32_t kChunks = 4000;
  constexpr uint32_t kChunk = 29;
  std::thread producer([] {
    int16_t chunk[kChunk] = {};
    for (uint32_t c = 0; c < kChunks; ++c) {
      for (uint32_t i = 0; i < kChunk; ++i) chunk[i] = static_cast<int16_t>(c);
      ring.Write(chunk, kChunk);
      if (c % 8 == 0) std::this_thread::yield();
    }
  });
  int16_t out[16];
  uint32_t received = 0;
  auto drain = [&] {
    const uint32_t n = ring.Read(out, 16);
    received += n;
    return n;
  };
  while (received + ring.dropped_samples() < kChunks * kChunk) {
    if (drain() == 0) std::this_thread::yield();
  }
  producer.join();
  while (drain() > 0) {
  }
  CHECK_EQ(received + ring.dropped_samples(), kChunks * kChunk);
  CHECK(ring.overruns() <= kChunks);
  CHECK((ring.overruns() == 0) == (ring.dropped_samples() == 0));
}

}  // namespace
}  // namespace wakeword_test
