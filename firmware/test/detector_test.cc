// Host tests of firmware/src/detector.*: every golden vector in tests/vectors
// (written by the Python reference detector) replayed bit for bit, plus the
// error paths the vectors cannot express.

#include "../src/detector.h"

#include <stdint.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_harness.h"

namespace wakeword_test {
namespace {

using wakeword::Detection;
using wakeword::StreamingDetector;

constexpr int kMinVectorFiles = 6;

// One push of a vector file and what the reference detector answered.
struct Step {
  uint32_t t_ms = 0;
  std::vector<uint8_t> scores;
  std::vector<Detection> detections;
  bool time_error = false;
  int line = 0;
};

struct Vector {
  int keyword_count = 0;
  std::vector<uint8_t> thresholds;
  int window = 0;
  uint32_t refractory_ms = 0;
  int fast_window = 0;
  int fast_margin = 0;
  std::vector<Step> steps;
};

bool ParseUnsigned(std::istringstream& in, uint64_t max, uint64_t* value) {
  std::string token;
  if (!(in >> token) || token.empty() ||
      token.find_first_not_of("0123456789") != std::string::npos ||
      token.size() > 10) {
    return false;
  }
  *value = std::stoull(token);
  return *value <= max;
}

bool AtEnd(std::istringstream& in) {
  std::string rest;
  return !(in >> rest);
}

// Parses a detector_*.txt file; on error returns false with a message.
bool ParseVector(const std::string& path, Vector* vector, std::string* error) {
  std::ifstream file(path);
  if (!file) {
    *error = "cannot open " + path;
    return false;
  }
  std::string text;
  int line_number = 0;
  bool ended = false;
  while (std::getline(file, text)) {
    ++line_number;
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    if (text.empty() || text[0] == '#') continue;
    if (ended) {
      *error = where + "nothing may follow 'error time_backwards'";
      return false;
    }
    std::istringstream in(text);
    std::string directive;
    in >> directive;
    uint64_t value = 0;
    bool ok = true;
    if (directive == "keywords") {
      ok = ParseUnsigned(in, wakeword::kMaxKeywords, &value) && value >= 1 && AtEnd(in);
      vector->keyword_count = static_cast<int>(value);
    } else if (directive == "thresholds") {
      vector->thresholds.clear();
      while (ok && !in.eof()) {
        ok = ParseUnsigned(in, 255, &value);
        if (ok) vector->thresholds.push_back(static_cast<uint8_t>(value));
        in >> std::ws;
      }
      ok = ok && static_cast<int>(vector->thresholds.size()) == vector->keyword_count;
    } else if (directive == "window") {
      ok = ParseUnsigned(in, wakeword::kMaxWindow, &value) && AtEnd(in);
      vector->window = static_cast<int>(value);
    } else if (directive == "refractory_ms") {
      ok = ParseUnsigned(in, UINT32_MAX, &value) && AtEnd(in);
      vector->refractory_ms = static_cast<uint32_t>(value);
    } else if (directive == "fast") {
      ok = ParseUnsigned(in, wakeword::kMaxWindow, &value);
      vector->fast_window = static_cast<int>(value);
      ok = ok && ParseUnsigned(in, wakeword::kMaxFastMargin, &value) && AtEnd(in);
      vector->fast_margin = static_cast<int>(value);
    } else if (directive == "push") {
      Step step;
      step.line = line_number;
      ok = ParseUnsigned(in, UINT32_MAX, &value);
      step.t_ms = static_cast<uint32_t>(value);
      for (int k = 0; ok && k < vector->keyword_count; ++k) {
        ok = ParseUnsigned(in, 255, &value);
        step.scores.push_back(static_cast<uint8_t>(value));
      }
      ok = ok && vector->keyword_count > 0 && AtEnd(in);
      vector->steps.push_back(step);
    } else if (directive == "detect") {
      Detection detection{};
      uint64_t keyword = 0, t_ms = 0, score = 0;
      ok = !vector->steps.empty() &&
           ParseUnsigned(in, static_cast<uint64_t>(vector->keyword_count - 1), &keyword) &&
           ParseUnsigned(in, UINT32_MAX, &t_ms) && ParseUnsigned(in, 255, &score) && AtEnd(in);
      detection.keyword = static_cast<int>(keyword);
      detection.t_ms = static_cast<uint32_t>(t_ms);
      detection.score = static_cast<uint8_t>(score);
      if (ok) vector->steps.back().detections.push_back(detection);
    } else if (directive == "error") {
      std::string kind;
      ok = !vector->steps.empty() && (in >> kind) && kind == "time_backwards" && AtEnd(in) &&
           vector->steps.back().detections.empty();
      if (ok) vector->steps.back().time_error = true;
      ended = true;
    } else {
      ok = false;
    }
    if (!ok) {
      *error = where + "cannot parse '" + text + "'";
      return false;
    }
  }
  if (vector->keyword_count == 0 || vector->window == 0 || vector->steps.empty()) {
    *error = path + ": missing keywords, window or pushes";
    return false;
  }
  return true;
}

std::vector<std::string> VectorFiles(const std::string& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("detector_", 0) == 0 &&
        name.size() > 4 && name.compare(name.size() - 4, 4, ".txt") == 0) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

void ReplayVector(const std::string& path) {
  Vector vector;
  std::string error;
  if (!ParseVector(path, &vector, &error)) {
    Fail(__FILE__, __LINE__, error);
    return;
  }
  StreamingDetector detector;
  CHECK_EQ(detector.Init(vector.keyword_count, vector.thresholds.data(), vector.window,
                         vector.refractory_ms, vector.fast_window, vector.fast_margin),
           static_cast<int>(wakeword::kDetectorOk));
  Detection out[wakeword::kMaxKeywords];
  for (const Step& step : vector.steps) {
    const int n = detector.Push(step.scores.data(), step.t_ms, out, wakeword::kMaxKeywords);
    const std::string where = path + ":" + std::to_string(step.line) + ": ";
    if (step.time_error) {
      if (n != wakeword::kDetectorTimeNotIncreasing) {
        Fail(__FILE__, __LINE__, where + "expected kDetectorTimeNotIncreasing, got " +
                                     std::to_string(n));
      }
      continue;
    }
    bool same = n == static_cast<int>(step.detections.size());
    for (int i = 0; same && i < n; ++i) {
      same = out[i].keyword == step.detections[i].keyword &&
             out[i].t_ms == step.detections[i].t_ms && out[i].score == step.detections[i].score;
    }
    if (!same) {
      std::ostringstream message;
      message << where << "push t_ms=" << step.t_ms << " gave " << n << " detection(s):";
      for (int i = 0; i < n; ++i) {
        message << " [" << out[i].keyword << " " << out[i].t_ms << " " << +out[i].score << "]";
      }
      message << "; expected " << step.detections.size();
      Fail(__FILE__, __LINE__, message.str());
      return;  // later pushes would only repeat the divergence
    }
  }
}

// Pushes one score per keyword (all equal) and returns the Push() result.
int PushAll(StreamingDetector* detector, uint8_t score, uint32_t t_ms, Detection* out) {
  uint8_t scores[wakeword::kMaxKeywords];
  for (uint8_t& s : scores) s = score;
  return detector->Push(scores, t_ms, out, wakeword::kMaxKeywords);
}

}  // namespace

int RegisterVectorCases(const Context& context) {
  const std::vector<std::string> paths = VectorFiles(context.vectors_dir);
  for (const std::string& path : paths) {
    const std::string name = std::filesystem::path(path).stem().string();
    Registry().push_back(Case{"vector:" + name, [path](const Context&) { ReplayVector(path); }});
  }
  return static_cast<int>(paths.size());
}

namespace {

TEST(VectorFilesPresent) {
  const int count = static_cast<int>(VectorFiles(context.vectors_dir).size());
  if (count < kMinVectorFiles) {
    Fail(__FILE__, __LINE__, "only " + std::to_string(count) + " detector_*.txt files in " +
                                 context.vectors_dir);
  }
}

TEST(DetectorFastPathFiresBeforeTheWindowFills) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {200};
  CHECK_EQ(detector.Init(1, thresholds, 10, 0, 3, 40), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.fast_window(), 3);
  CHECK_EQ(detector.fast_margin(), 40);
  Detection out[1];
  const uint8_t high[1] = {250};
  CHECK_EQ(detector.Push(high, 10, out, 1), 0);
  CHECK_EQ(detector.Push(high, 20, out, 1), 0);
  CHECK_EQ(detector.Push(high, 30, out, 1), 1);  // the newest 3 average 250 >= 200 + 40: no wait for 10
  CHECK_EQ(static_cast<int>(out[0].score), 250);
  CHECK_EQ(out[0].t_ms, 30u);
}

TEST(DetectorInitRejectsBadSettings) {
  StreamingDetector detector;
  const uint8_t thresholds[wakeword::kMaxKeywords + 1] = {200, 200, 200, 200, 200,
                                                          200, 200, 200, 200};
  const uint8_t zero_threshold[2] = {200, 0};
  CHECK_EQ(detector.Init(0, thresholds, 5, 1000), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(wakeword::kMaxKeywords + 1, thresholds, 5, 1000),
           static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, thresholds, 0, 1000), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, thresholds, wakeword::kMaxWindow + 1, 1000),
           static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, thresholds, 5, wakeword::kMaxRefractoryMs + 1),
           static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(2, zero_threshold, 5, 1000), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, nullptr, 5, 1000), static_cast<int>(wakeword::kDetectorBadSettings));
  // the fast path: at most the window, its threshold 1..255
  CHECK_EQ(detector.Init(1, thresholds, 5, 1000, 6, 40), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, thresholds, 5, 1000, -1, 40), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, thresholds, 5, 1000, 3, -1), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.Init(1, thresholds, 5, 1000, 3, 255), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(detector.keyword_count(), 0);
  CHECK_EQ(detector.Init(wakeword::kMaxKeywords, thresholds, wakeword::kMaxWindow,
                         wakeword::kMaxRefractoryMs),
           static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.keyword_count(), wakeword::kMaxKeywords);
}

TEST(DetectorPushBeforeInit) {
  StreamingDetector detector;
  Detection out[wakeword::kMaxKeywords];
  CHECK_EQ(PushAll(&detector, 255, 10, out), static_cast<int>(wakeword::kDetectorNotInitialized));
}

TEST(DetectorFailedInitLeavesUnusable) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {100};
  Detection out[wakeword::kMaxKeywords];
  CHECK_EQ(detector.Init(1, thresholds, 1, 0), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.Init(1, thresholds, 0, 0), static_cast<int>(wakeword::kDetectorBadSettings));
  CHECK_EQ(PushAll(&detector, 255, 10, out), static_cast<int>(wakeword::kDetectorNotInitialized));
}

TEST(DetectorBadArguments) {
  StreamingDetector detector;
  const uint8_t thresholds[2] = {100, 100};
  const uint8_t scores[2] = {255, 255};
  Detection out[2];
  CHECK_EQ(detector.Init(2, thresholds, 1, 0), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.Push(nullptr, 10, out, 2), static_cast<int>(wakeword::kDetectorBadArgument));
  CHECK_EQ(detector.Push(scores, 10, nullptr, 2), static_cast<int>(wakeword::kDetectorBadArgument));
  CHECK_EQ(detector.Push(scores, 10, out, 1), static_cast<int>(wakeword::kDetectorBadArgument));
  // rejected pushes do not record their time
  CHECK_EQ(detector.Push(scores, 10, out, 2), 2);
  CHECK_EQ(detector.SetThreshold(2, 100), static_cast<int>(wakeword::kDetectorBadArgument));
  CHECK_EQ(detector.SetThreshold(-2, 100), static_cast<int>(wakeword::kDetectorBadArgument));
  CHECK_EQ(detector.SetThreshold(0, 0), static_cast<int>(wakeword::kDetectorBadArgument));
  CHECK_EQ(detector.threshold(0), 100);
}

TEST(DetectorTimeErrorsLeaveStateUnchanged) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {200};
  Detection out[1];
  CHECK_EQ(detector.Init(1, thresholds, 2, 0), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(PushAll(&detector, 255, 100, out), 0);
  CHECK_EQ(PushAll(&detector, 255, 100, out), static_cast<int>(wakeword::kDetectorTimeNotIncreasing));
  CHECK_EQ(PushAll(&detector, 255, 99, out), static_cast<int>(wakeword::kDetectorTimeNotIncreasing));
  CHECK_EQ(PushAll(&detector, 0, 0, out), static_cast<int>(wakeword::kDetectorTimeNotIncreasing));
  // the window still holds exactly the first 255: (255 + 145) / 2 == 200 detects
  CHECK_EQ(PushAll(&detector, 145, 101, out), 1);
  CHECK_EQ(out[0].score, 200);
  CHECK_EQ(out[0].t_ms, 101u);
}

TEST(DetectorFloorMeanAndExactThreshold) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {100};
  Detection out[1];
  CHECK_EQ(detector.Init(1, thresholds, 3, 0), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(PushAll(&detector, 100, 1, out), 0);
  CHECK_EQ(PushAll(&detector, 100, 2, out), 0);
  CHECK_EQ(PushAll(&detector, 99, 3, out), 0);   // 299 < 300
  CHECK_EQ(PushAll(&detector, 101, 4, out), 1);  // 100 + 99 + 101 == 300
  CHECK_EQ(out[0].score, 100);
  CHECK_EQ(PushAll(&detector, 255, 5, out), 0);  // window emptied by the detection
  CHECK_EQ(PushAll(&detector, 255, 6, out), 0);
  CHECK_EQ(PushAll(&detector, 254, 7, out), 1);  // 764 / 3 == 254 (floor)
  CHECK_EQ(out[0].score, 254);
}

TEST(DetectorRefractoryEndsOnTime) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {10};
  Detection out[1];
  CHECK_EQ(detector.Init(1, thresholds, 1, 100), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(PushAll(&detector, 10, 0, out), 1);
  CHECK_EQ(PushAll(&detector, 255, 50, out), 0);
  CHECK_EQ(PushAll(&detector, 255, 99, out), 0);
  CHECK_EQ(PushAll(&detector, 255, 100, out), 1);
  CHECK_EQ(out[0].t_ms, 100u);
}

TEST(DetectorRefractoryPastClockWrap) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {10};
  Detection out[1];
  CHECK_EQ(detector.Init(1, thresholds, 1, wakeword::kMaxRefractoryMs),
           static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(PushAll(&detector, 255, UINT32_MAX - 1000, out), 1);
  CHECK_EQ(PushAll(&detector, 255, UINT32_MAX - 1, out), 0);
  CHECK_EQ(PushAll(&detector, 255, UINT32_MAX, out), 0);
  detector.Reset();
  CHECK_EQ(PushAll(&detector, 255, 5, out), 1);
}

TEST(DetectorMaximalWindowAndSum) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {255};
  Detection out[1];
  CHECK_EQ(detector.Init(1, thresholds, wakeword::kMaxWindow, 0),
           static_cast<int>(wakeword::kDetectorOk));
  for (uint32_t i = 1; i < static_cast<uint32_t>(wakeword::kMaxWindow); ++i) {
    CHECK_EQ(PushAll(&detector, 255, i, out), 0);
  }
  CHECK_EQ(PushAll(&detector, 255, wakeword::kMaxWindow, out), 1);
  CHECK_EQ(out[0].score, 255);
}

TEST(DetectorSetThresholdKeepsWindow) {
  StreamingDetector detector;
  const uint8_t thresholds[2] = {200, 200};
  const uint8_t scores[2] = {150, 150};
  Detection out[2];
  CHECK_EQ(detector.Init(2, thresholds, 2, 0), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.Push(scores, 1, out, 2), 0);
  CHECK_EQ(detector.SetThreshold(1, 150), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.Push(scores, 2, out, 2), 1);  // only keyword 1, whose window was kept
  CHECK_EQ(out[0].keyword, 1);
  CHECK_EQ(detector.SetThreshold(-1, 150), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(detector.Push(scores, 3, out, 2), 1);  // keyword 0: 150 + 150 (keyword 1 refilling)
  CHECK_EQ(out[0].keyword, 0);
}

TEST(DetectorResetForgetsEverything) {
  StreamingDetector detector;
  const uint8_t thresholds[1] = {200};
  Detection out[1];
  CHECK_EQ(detector.Init(1, thresholds, 2, 5000), static_cast<int>(wakeword::kDetectorOk));
  CHECK_EQ(PushAll(&detector, 255, 1000, out), 0);
  detector.Reset();
  CHECK_EQ(PushAll(&detector, 145, 10, out), 0);  // earlier time is fine; old 255 is gone
  CHECK_EQ(PushAll(&detector, 255, 20, out), 1);  // (145 + 255) / 2 == 200
  detector.Reset();
  CHECK_EQ(PushAll(&detector, 255, 30, out), 0);  // refractory forgotten too
  CHECK_EQ(PushAll(&detector, 255, 40, out), 1);
}

}  // namespace
}  // namespace wakeword_test
