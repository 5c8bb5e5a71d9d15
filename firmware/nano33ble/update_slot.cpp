#include "update_slot.h"

// The update slot's storage: a page-aligned const array of erased flash (0xFF),
// reserved by the linker inside the sketch image.
//
// * Its own input section, .rodata.wakeword_update_slot: the mbed linker script's
//   *(.rodata*) rule places it in flash (the nRF52840 maps flash into the address
//   space, so reading the slot is a pointer read), and the map file shows where.
// * `used`: kept by --gc-sections even if nothing referenced it.
// * Uploading a new sketch writes these pages with 0xFF again, so a new firmware
//   always starts from its own built-in model.
//
// Who writes it (designed in firmware/MODEL_UPDATES.md, NOT implemented here): the BLE
// model receiver. It first switches the interpreter to the built-in model (TFLite
// Micro reads weights straight from the slot while a model from it runs), then, with
// mbed::FlashIAP (init(); erase(address, kUpdateSlotBytes) in get_sector_size() = 4 KiB
// pages; program() of each received chunk at address + offset, in get_page_size()
// multiples; deinit()), erases the whole slot and programs the slot image
// (wakeword.model_slot.model_slot_for_bundle) in order. Only after CheckModelSlot
// accepts the complete slot, and SelectModel prefers it, does a model from it run.

namespace wakeword_sketch {
namespace {

struct alignas(kFlashPageBytes) ErasedFlash {
  uint8_t bytes[kUpdateSlotBytes];
};

constexpr ErasedFlash Erased() {
  ErasedFlash flash{};
  for (size_t i = 0; i < kUpdateSlotBytes; ++i) flash.bytes[i] = 0xFF;
  return flash;
}

__attribute__((section(".rodata.wakeword_update_slot"), used))
const ErasedFlash g_update_slot = Erased();

static_assert(sizeof(ErasedFlash) == kUpdateSlotBytes && kUpdateSlotBytes % kFlashPageBytes == 0,
              "the update slot is whole flash pages");

}  // namespace

const uint8_t* UpdateSlot() {
  const uint8_t* slot = g_update_slot.bytes;
  // FlashIAP rewrites these bytes behind the compiler's back: hide the address, so
  // that no read through it is folded into the 0xFF initializer (e.g. with LTO).
  __asm__ volatile("" : "+r"(slot));
  return slot;
}

}  // namespace wakeword_sketch
