// The update slot: flash the firmware reserves for a model received over BLE.
//
// At boot model_runner.cpp hands it, with the built-in slot (src/model_data.cc), to
// wakeword::SelectModel (src/model_select.h): a valid, strictly newer model here
// runs instead of the built-in one. As shipped it is erased flash (all 0xFF), which
// CheckModelSlot refuses with bad_magic, so the built-in model runs.
//
// Writing it is the job of the BLE model receiver, which firmware/MODEL_UPDATES.md
// designs and this sketch does not implement yet (see update_slot.cpp).
//
// Portable (no Arduino, no TFLM): tests/test_firmware_sketch.py compiles it on the host.

#ifndef WAKEWORD_NANO33BLE_UPDATE_SLOT_H_
#define WAKEWORD_NANO33BLE_UPDATE_SLOT_H_

#include <stddef.h>
#include <stdint.h>

#include "src/model_slot_layout.h"

namespace wakeword_sketch {

// nRF52840 flash: erased in 4 KiB pages (mbed::FlashIAP::get_sector_size()).
constexpr size_t kFlashPageBytes = 4096;

// Largest model an update may carry: the model flash budget every bundle is trained
// for (training.config.BudgetConfig.model_flash_bytes, 64 KiB; tests/test_firmware_sketch.py
// checks the two agree). The slot format's own limit, wakeword::kModelSlotMaxModelBytes
// (16 MiB, a bundle's), is more than the whole 1 MB flash of the board.
constexpr size_t kUpdateSlotMaxModelBytes = 64 * 1024;

// Header + the largest model, rounded up to whole pages, so that erasing the slot
// never touches the code or data next to it: 17 pages, 69,632 bytes.
constexpr size_t kUpdateSlotBytes =
    (wakeword::kModelSlotHeaderBytes + kUpdateSlotMaxModelBytes + kFlashPageBytes - 1) /
    kFlashPageBytes * kFlashPageBytes;

static_assert(kUpdateSlotMaxModelBytes <= wakeword::kModelSlotMaxModelBytes,
              "the update slot may not hold more than a slot header can declare");
static_assert(wakeword::kModelSlotHeaderBytes % 16 == 0,
              "the slot header must keep the model 16-byte aligned for TFLite Micro");

// First byte of the update slot: kUpdateSlotBytes bytes of memory-mapped flash,
// kFlashPageBytes aligned. Reading it is a plain pointer read.
const uint8_t* UpdateSlot();

}  // namespace wakeword_sketch

#endif  // WAKEWORD_NANO33BLE_UPDATE_SLOT_H_
