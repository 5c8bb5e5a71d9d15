// Host tests of firmware/src/health.*: every tests/vectors/health_*.txt (written by the Python
// reference, wakeword.health.HealthCounters) replayed bit for bit, plus the error paths.

#include "../src/health.h"

#include <stdint.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_harness.h"

namespace wakeword_test {
namespace {

using wakeword::HealthCounters;

constexpr int kMinHealthVectors = 4;

// The 32-bit LCG of tests/vectors/make_health_vectors.py (lcg_noise).
std::vector<int16_t> LcgNoise(uint32_t count, int amplitude, uint32_t seed) {
  std::vector<int16_t> out(count);
  uint32_t state = seed;
  for (uint32_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    out[i] = static_cast<int16_t>(static_cast<int>((state >> 16) % (2u * amplitude + 1u)) - amplitude);
  }
  return out;
}

std::string Hex(const uint8_t* data, int n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += kDigits[data[i] >> 4];
    s += kDigits[data[i] & 15];
  }
  return s;
}

// Replays one vector file; every "expect" line must match. Returns the number of expects checked.
int Replay(const std::string& path) {
  std::ifstream file(path);
  CHECK(file.good());
  HealthCounters counters;
  std::string line;
  int expects = 0, line_no = 0;
  bool configured = false;
  while (std::getline(file, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string op;
    in >> op;
    const std::string where = path + ":" + std::to_string(line_no);
    if (op == "config") {
      int threshold, window, margin;
      uint32_t refractory;
      CHECK(static_cast<bool>(in >> threshold >> window >> refractory >> margin));
      CHECK_EQ(counters.Init(threshold, window, refractory, margin), static_cast<int>(wakeword::kHealthOk));
      configured = true;
    } else if (op == "A") {
      uint32_t count, seed;
      int amplitude;
      CHECK(static_cast<bool>(in >> count >> amplitude >> seed));
      const std::vector<int16_t> samples = LcgNoise(count, amplitude, seed);
      counters.OnAudio(samples.data(), count);
    } else if (op == "C") {
      unsigned score;
      uint32_t t_ms;
      int detections;
      CHECK(static_cast<bool>(in >> score >> t_ms >> detections));
      counters.OnCall(static_cast<uint8_t>(score), t_ms, detections);
    } else if (op == "D") {
      uint32_t ms;
      CHECK(static_cast<bool>(in >> ms));
      counters.AddDroppedMs(ms);
    } else if (op == "N") {
      counters.NewStream();
    } else if (op == "expect") {
      std::string want;
      CHECK(static_cast<bool>(in >> want));
      uint8_t payload[wakeword::kHealthPayloadBytes];
      const int n = counters.Serialize(payload, sizeof(payload));
      CHECK_EQ(n, static_cast<int>(wakeword::kHealthPayloadBytes));
      if (Hex(payload, n) != want) Fail(__FILE__, __LINE__, where + ": payload differs from Python's");
      ++expects;
    } else {
      Fail(__FILE__, __LINE__, where + ": unknown event " + op);
    }
  }
  CHECK(configured);
  return expects;
}

TEST(health_vectors_replay_bit_exact) {
  int files = 0, expects = 0;
  for (const auto& entry : std::filesystem::directory_iterator(context.vectors_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("health_", 0) == 0 && entry.path().extension() == ".txt") {
      ++files;
      expects += Replay(entry.path().string());
    }
  }
  CHECK(files >= kMinHealthVectors);
  CHECK(expects >= 2 * kMinHealthVectors);
}

TEST(health_refuses_bad_settings_and_small_buffers) {
  HealthCounters counters;
  CHECK_EQ(counters.Init(0, 5, 2000), static_cast<int>(wakeword::kHealthBadSettings));
  CHECK_EQ(counters.Init(200, 0, 2000), static_cast<int>(wakeword::kHealthBadSettings));
  CHECK_EQ(counters.Init(200, 256, 2000), static_cast<int>(wakeword::kHealthBadSettings));
  CHECK_EQ(counters.Init(200, 5, 2000, 0), static_cast<int>(wakeword::kHealthBadSettings));
  CHECK_EQ(counters.Init(200, 5, 2000), static_cast<int>(wakeword::kHealthOk));
  uint8_t small[wakeword::kHealthPayloadBytes - 1];
  CHECK_EQ(counters.Serialize(small, sizeof(small)), static_cast<int>(wakeword::kHealthBufferTooSmall));
  CHECK_EQ(counters.Serialize(nullptr, 1000), static_cast<int>(wakeword::kHealthBufferTooSmall));
  counters.OnAudio(nullptr, 100);  // ignored, no crash
  CHECK_EQ(counters.seconds(), 0u);
}

TEST(health_counts_saturate_instead_of_wrapping) {
  HealthCounters counters;
  CHECK_EQ(counters.Init(200, 1, 0), static_cast<int>(wakeword::kHealthOk));
  counters.AddDroppedMs(UINT32_MAX - 1);
  counters.AddDroppedMs(5);
  counters.OnCall(255, 10, INT32_MAX);
  counters.OnCall(255, 20, INT32_MAX);
  counters.OnCall(255, 30, INT32_MAX);  // 3 x (2^31 - 1) > 2^32 - 1
  uint8_t payload[wakeword::kHealthPayloadBytes];
  CHECK_EQ(counters.Serialize(payload, sizeof(payload)), static_cast<int>(wakeword::kHealthPayloadBytes));
  CHECK_EQ(counters.detections(), UINT32_MAX);
  CHECK(Hex(payload + 16, 4) == "ffffffff");  // dropped_ms
}

}  // namespace
}  // namespace wakeword_test
