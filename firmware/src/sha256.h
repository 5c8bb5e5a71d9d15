// SHA-256 (FIPS 180-4) for checking model slots on the device: portable C++,
// no heap, no exceptions, no dependencies beyond <stddef.h>/<stdint.h>.
//
// Streaming use (e.g. hashing a model as BLE chunks arrive):
//   wakeword::Sha256 sha;
//   wakeword::Sha256Init(&sha);
//   wakeword::Sha256Update(&sha, chunk, chunk_size);   // any number of times
//   uint8_t digest[wakeword::kSha256DigestBytes];
//   wakeword::Sha256Final(&sha, digest);

#ifndef WAKEWORD_FIRMWARE_SRC_SHA256_H_
#define WAKEWORD_FIRMWARE_SRC_SHA256_H_

#include <stddef.h>
#include <stdint.h>

namespace wakeword {

constexpr size_t kSha256DigestBytes = 32;
constexpr size_t kSha256BlockBytes = 64;

struct Sha256 {
  uint32_t state[8];
  uint64_t total_bytes;
  uint8_t block[kSha256BlockBytes];
  size_t block_used;
};

void Sha256Init(Sha256* sha);
void Sha256Update(Sha256* sha, const uint8_t* data, size_t size);
// Writes the digest and leaves `sha` needing Sha256Init before reuse.
void Sha256Final(Sha256* sha, uint8_t digest[kSha256DigestBytes]);

// One-shot digest of `size` bytes at `data`.
void Sha256Digest(const uint8_t* data, size_t size,
                  uint8_t digest[kSha256DigestBytes]);

}  // namespace wakeword

#endif  // WAKEWORD_FIRMWARE_SRC_SHA256_H_
