/* Start-up of a bare-metal Cortex-M4F program on QEMU's mps2-an386 board (no OS, no newlib
 * crt0): the vector table, a reset handler that enables the FPU, copies .data, zeroes .bss and
 * calls main, and the semihosting calls the programs use (write a string, exit with a code:
 * QEMU's exit status is that code; read a host file, for m4_cost.cc). See ../../docs/firmware.md, "Running on an emulated Cortex-M4". */
#include <stdint.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
int main(void);
void semihost_exit(int code);
void __libc_init_array(void);

static int semihost_call(int op, void* arg) {
  register int r0 __asm("r0") = op;
  register void* r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihost_write0(const char* text) { semihost_call(0x04, (void*)text); }

/* Reads the host file `path` (relative to QEMU's working folder) into `buffer`: its length, or -1
 * when it cannot be opened, -2 when it is longer than `capacity`, -3 when the read fails. */
int semihost_read_file(const char* path, void* buffer, int capacity) {
  uint32_t open_block[3] = {(uint32_t)path, 1 /* "rb" */, 0};
  while (((const char*)path)[open_block[2]] != 0) ++open_block[2];
  const int handle = semihost_call(0x01 /* SYS_OPEN */, open_block);
  if (handle < 0) return -1;
  uint32_t handle_block[1] = {(uint32_t)handle};
  const int length = semihost_call(0x0C /* SYS_FLEN */, handle_block);
  int result = length;
  if (length < 0 || length > capacity) {
    result = length < 0 ? -3 : -2;
  } else {
    uint32_t read_block[3] = {(uint32_t)handle, (uint32_t)buffer, (uint32_t)length};
    if (semihost_call(0x06 /* SYS_READ */, read_block) != 0) result = -3; /* returns the bytes NOT read */
  }
  semihost_call(0x02 /* SYS_CLOSE */, handle_block);
  return result;
}

void semihost_exit(int code) {
  uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
  semihost_call(0x20 /* SYS_EXIT_EXTENDED */, block);
  for (;;) {
  }
}

void Reset_Handler(void) {
  volatile uint32_t* cpacr = (volatile uint32_t*)0xE000ED88u;
  *cpacr |= 0xFu << 20; /* CP10, CP11: full access to the FPU */
  __asm volatile("dsb\n isb");
  uint32_t* src = &__data_load;
  for (uint32_t* dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  __libc_init_array();
  semihost_exit(main());
}

/* a fault ends the program with status 99 instead of hanging the emulator */
void Default_Handler(void) { semihost_exit(99); }

/* newlib's __libc_init_array calls these; nothing to do on this board */
void _init(void) {}
void _fini(void) {}

__attribute__((section(".vectors"), used)) const void* const g_vectors[16] = {
    &__stack_top,           (void*)Reset_Handler,   (void*)Default_Handler, (void*)Default_Handler,
    (void*)Default_Handler, (void*)Default_Handler, (void*)Default_Handler, 0,
    0,                      0,                      0,                      (void*)Default_Handler,
    (void*)Default_Handler, 0,                      (void*)Default_Handler, (void*)Default_Handler};

/* C++ static objects register their destructors against this handle; nothing is ever unloaded */
void* __dso_handle = 0;
