#pragma once
// Stub: declarations only, the subset the sketch uses (see README.md in this folder).
namespace tflite { void InitializeTarget(); }
