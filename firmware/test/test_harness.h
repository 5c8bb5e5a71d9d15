// A minimal host test harness: TEST(name) registers a case, CHECK* record failures.
//
// Host only (uses the C++ standard library freely). test_main.cc runs every
// registered case and prints "N passed, M failed" as its closing line.

#ifndef WAKEWORD_FIRMWARE_TEST_TEST_HARNESS_H_
#define WAKEWORD_FIRMWARE_TEST_TEST_HARNESS_H_

#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace wakeword_test {

// Everything a case may need from the command line.
struct Context {
  std::string vectors_dir;  // directory holding detector_*.txt
};

using CaseFn = std::function<void(const Context&)>;

struct Case {
  std::string name;
  CaseFn fn;
};

// Cases registered statically by TEST() or at run time (one per vector file).
std::vector<Case>& Registry();

// Records a failure of the running case.
void Fail(const char* file, int line, const std::string& message);

// Failures recorded so far in the running case.
int CurrentFailures();

struct Registrar {
  Registrar(const char* name, void (*fn)(const Context&)) {
    Registry().push_back(Case{name, fn});
  }
};

}  // namespace wakeword_test

#define TEST(name)                                                     \
  static void name(const ::wakeword_test::Context& context);           \
  static ::wakeword_test::Registrar name##_registrar(#name, &name);    \
  static void name([[maybe_unused]] const ::wakeword_test::Context& context)

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) ::wakeword_test::Fail(__FILE__, __LINE__, #cond);     \
  } while (0)

#define CHECK_EQ(a, b)                                                 \
  do {                                                                 \
    const auto wakeword_test_a_ = (a);                                 \
    const auto wakeword_test_b_ = (b);                                 \
    if (!(wakeword_test_a_ == wakeword_test_b_)) {                     \
      std::ostringstream wakeword_test_os_;                            \
      wakeword_test_os_ << #a " == " #b " (" << +wakeword_test_a_      \
                        << " vs " << +wakeword_test_b_ << ")";         \
      ::wakeword_test::Fail(__FILE__, __LINE__, wakeword_test_os_.str()); \
    }                                                                  \
  } while (0)

#endif  // WAKEWORD_FIRMWARE_TEST_TEST_HARNESS_H_
