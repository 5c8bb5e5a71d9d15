// Runs every host test case and prints "N passed, M failed" last.
//
// Usage: host_tests <vectors_dir>   (the directory with detector_*.txt)

#include <cstdio>
#include <string>

#include "test_harness.h"

namespace wakeword_test {

namespace {
int g_current_failures = 0;
}  // namespace

std::vector<Case>& Registry() {
  static std::vector<Case> registry;
  return registry;
}

void Fail(const char* file, int line, const std::string& message) {
  ++g_current_failures;
  std::printf("    %s:%d: %s\n", file, line, message.c_str());
}

int CurrentFailures() { return g_current_failures; }

// Defined in detector_test.cc: registers one case per vector file found.
int RegisterVectorCases(const Context& context);

}  // namespace wakeword_test

int main(int argc, char** argv) {
  using namespace wakeword_test;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <vectors_dir>\n", argv[0]);
    return 2;
  }
  Context context{argv[1]};
  const int vector_files = RegisterVectorCases(context);
  std::printf("%d detector vector files in %s\n", vector_files, argv[1]);

  int passed = 0;
  int failed = 0;
  for (const Case& test_case : Registry()) {
    g_current_failures = 0;
    test_case.fn(context);
    if (g_current_failures == 0) {
      ++passed;
      std::printf("PASS %s\n", test_case.name.c_str());
    } else {
      ++failed;
      std::printf("FAIL %s\n", test_case.name.c_str());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
