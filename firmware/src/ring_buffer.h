// Single-producer single-consumer lock-free ring buffer of int16 audio samples.
//
// The producer is the microphone callback (on the Nano 33 BLE, the PDM
// interrupt handler); the consumer is the main loop that computes features.
// Each index is written by one side only and published with release/acquire
// ordering, so neither side ever blocks or disables interrupts. No allocation:
// the storage is a member array of kCapacity samples.
//
// When the producer finds too little room it keeps what fits and drops the
// newest samples (the consumer owns the read index, so the producer never
// moves it); dropped_samples() and overruns() report this so the consumer can
// resynchronize (e.g. reset its feature state) instead of silently splicing audio.
//
// Indices run freely modulo 2**32; kCapacity is a power of two, so they wrap
// together with the storage.

#ifndef WAKEWORD_FIRMWARE_SRC_RING_BUFFER_H_
#define WAKEWORD_FIRMWARE_SRC_RING_BUFFER_H_

#include <stdint.h>

#include <atomic>

namespace wakeword {

template <uint32_t kCapacity>
class AudioRingBuffer {
  static_assert(kCapacity >= 2 && (kCapacity & (kCapacity - 1)) == 0,
                "AudioRingBuffer capacity must be a power of two >= 2");
  static_assert(std::atomic<uint32_t>::is_always_lock_free,
                "AudioRingBuffer needs lock-free 32-bit atomics");

 public:
  constexpr AudioRingBuffer() = default;
  AudioRingBuffer(const AudioRingBuffer&) = delete;
  AudioRingBuffer& operator=(const AudioRingBuffer&) = delete;

  static constexpr uint32_t capacity() { return kCapacity; }

  // Producer side (interrupt context). Copies up to `count` samples; samples
  // that do not fit are dropped and counted. Returns the number stored.
  uint32_t Write(const int16_t* samples, uint32_t count) {
    const uint32_t write = write_index_.load(std::memory_order_relaxed);
    const uint32_t read = read_index_.load(std::memory_order_acquire);
    const uint32_t room = kCapacity - (write - read);
    const uint32_t stored = count < room ? count : room;
    for (uint32_t i = 0; i < stored; ++i) {
      data_[(write + i) & kMask] = samples[i];
    }
    write_index_.store(write + stored, std::memory_order_release);
    if (stored < count) {
      // Only the producer writes these counters: load + store, no read-modify-write.
      dropped_samples_.store(
          dropped_samples_.load(std::memory_order_relaxed) + (count - stored),
          std::memory_order_relaxed);
      overruns_.store(overruns_.load(std::memory_order_relaxed) + 1,
                      std::memory_order_release);
    }
    return stored;
  }

  // Consumer side. Moves up to `max_count` of the oldest samples to `out` and
  // returns how many; 0 when the buffer is empty.
  uint32_t Read(int16_t* out, uint32_t max_count) {
    const uint32_t read = read_index_.load(std::memory_order_relaxed);
    const uint32_t write = write_index_.load(std::memory_order_acquire);
    const uint32_t available = write - read;
    const uint32_t taken = max_count < available ? max_count : available;
    for (uint32_t i = 0; i < taken; ++i) {
      out[i] = data_[(read + i) & kMask];
    }
    read_index_.store(read + taken, std::memory_order_release);
    return taken;
  }

  // Samples ready for the consumer (exact on the consumer side).
  uint32_t Available() const {
    return write_index_.load(std::memory_order_acquire) -
           read_index_.load(std::memory_order_relaxed);
  }

  // Room for the producer (exact on the producer side).
  uint32_t Free() const {
    return kCapacity - (write_index_.load(std::memory_order_relaxed) -
                        read_index_.load(std::memory_order_acquire));
  }

  // Samples dropped because the buffer was full, since construction or Reset().
  uint32_t dropped_samples() const {
    return dropped_samples_.load(std::memory_order_relaxed);
  }

  // Number of Write() calls that dropped samples; a consumer that remembers the
  // last value it saw knows when the stream has a gap.
  uint32_t overruns() const { return overruns_.load(std::memory_order_acquire); }

  // Empties the buffer and clears the counters. Only while the producer is
  // stopped (e.g. before the microphone starts).
  void Reset() {
    write_index_.store(0, std::memory_order_relaxed);
    read_index_.store(0, std::memory_order_relaxed);
    dropped_samples_.store(0, std::memory_order_relaxed);
    overruns_.store(0, std::memory_order_release);
  }

 private:
  static constexpr uint32_t kMask = kCapacity - 1;

  int16_t data_[kCapacity] = {};
  std::atomic<uint32_t> write_index_{0};  // written by the producer only
  std::atomic<uint32_t> read_index_{0};   // written by the consumer only
  std::atomic<uint32_t> dropped_samples_{0};
  std::atomic<uint32_t> overruns_{0};
};

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_RING_BUFFER_H_
