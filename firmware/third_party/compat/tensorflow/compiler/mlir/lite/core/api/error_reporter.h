// Written for this project (the vendored TFLite Micro sources include TensorFlow's file of this
// name; the archive does not hold it): the error reporter interface they report through.
#ifndef TENSORFLOW_COMPILER_MLIR_LITE_CORE_API_ERROR_REPORTER_H_
#define TENSORFLOW_COMPILER_MLIR_LITE_CORE_API_ERROR_REPORTER_H_

#include <cstdarg>

namespace tflite {

class ErrorReporter {
 public:
  virtual ~ErrorReporter() = default;
  // Formats like vprintf; returns what the implementation returns (characters written).
  virtual int Report(const char* format, va_list args) = 0;
  int Report(const char* format, ...);
  // The first argument is ignored (kept for callers that pass a context).
  int ReportError(void*, const char* format, ...);
};

}  // namespace tflite

// Reports through `reporter` unless error strings are stripped from the build.
#ifndef TF_LITE_STRIP_ERROR_STRINGS
#define TF_LITE_REPORT_ERROR(reporter, ...)                                    \
  do {                                                                         \
    static_cast<::tflite::ErrorReporter*>(reporter)->Report(__VA_ARGS__);      \
  } while (false)
#else
#define TF_LITE_REPORT_ERROR(reporter, ...) \
  do {                                      \
    (void)(reporter);                       \
  } while (false)
#endif

#endif  // TENSORFLOW_COMPILER_MLIR_LITE_CORE_API_ERROR_REPORTER_H_
