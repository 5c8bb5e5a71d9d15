/* Copyright 2023 The TensorFlow Authors. All Rights Reserved.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
==============================================================================*/

#include "tensorflow/lite/array.h"

#include "tensorflow/lite/c/common.h"

namespace tflite {
namespace array_internal {

#ifndef TF_LITE_STATIC_MEMORY
void TfLiteArrayDeleter::operator()(TfLiteIntArray* a) {
  if (a) {
    TfLiteIntArrayFree(a);
  }
}
void TfLiteArrayDeleter::operator()(TfLiteFloatArray* a) {
  if (a) {
    TfLiteFloatArrayFree(a);
  }
}
#endif  // TF_LITE_STATIC_MEMORY

}  // namespace array_internal
}  // namespace tflite
