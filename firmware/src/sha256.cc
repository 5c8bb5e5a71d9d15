// SHA-256 as specified in FIPS 180-4, section 6.2.

#include "sha256.h"

namespace wakeword {
namespace {

constexpr uint32_t kRoundConstants[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

constexpr uint32_t kInitialState[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                       0xa54ff53au, 0x510e527fu, 0x9b05688cu,
                                       0x1f83d9abu, 0x5be0cd19u};

inline uint32_t RotateRight(uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

void Compress(uint32_t state[8], const uint8_t block[kSha256BlockBytes]) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = (static_cast<uint32_t>(block[4 * i]) << 24) |
           (static_cast<uint32_t>(block[4 * i + 1]) << 16) |
           (static_cast<uint32_t>(block[4 * i + 2]) << 8) |
           static_cast<uint32_t>(block[4 * i + 3]);
  }
  for (int i = 16; i < 64; ++i) {
    const uint32_t s0 =
        RotateRight(w[i - 15], 7) ^ RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 =
        RotateRight(w[i - 2], 17) ^ RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; ++i) {
    const uint32_t s1 = RotateRight(e, 6) ^ RotateRight(e, 11) ^ RotateRight(e, 25);
    const uint32_t choose = (e & f) ^ (~e & g);
    const uint32_t t1 = h + s1 + choose + kRoundConstants[i] + w[i];
    const uint32_t s0 = RotateRight(a, 2) ^ RotateRight(a, 13) ^ RotateRight(a, 22);
    const uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    const uint32_t t2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

}  // namespace

void Sha256Init(Sha256* sha) {
  for (int i = 0; i < 8; ++i) sha->state[i] = kInitialState[i];
  sha->total_bytes = 0;
  sha->block_used = 0;
}

void Sha256Update(Sha256* sha, const uint8_t* data, size_t size) {
  sha->total_bytes += size;
  while (size > 0) {
    if (sha->block_used == 0 && size >= kSha256BlockBytes) {
      Compress(sha->state, data);  // whole blocks straight from the input
      data += kSha256BlockBytes;
      size -= kSha256BlockBytes;
      continue;
    }
    size_t take = kSha256BlockBytes - sha->block_used;
    if (take > size) take = size;
    for (size_t i = 0; i < take; ++i) sha->block[sha->block_used + i] = data[i];
    sha->block_used += take;
    data += take;
    size -= take;
    if (sha->block_used == kSha256BlockBytes) {
      Compress(sha->state, sha->block);
      sha->block_used = 0;
    }
  }
}

void Sha256Final(Sha256* sha, uint8_t digest[kSha256DigestBytes]) {
  const uint64_t total_bits = sha->total_bytes * 8u;
  sha->block[sha->block_used++] = 0x80;
  if (sha->block_used > kSha256BlockBytes - 8) {
    while (sha->block_used < kSha256BlockBytes) sha->block[sha->block_used++] = 0;
    Compress(sha->state, sha->block);
    sha->block_used = 0;
  }
  while (sha->block_used < kSha256BlockBytes - 8) sha->block[sha->block_used++] = 0;
  for (int i = 0; i < 8; ++i) {
    sha->block[kSha256BlockBytes - 1 - i] = static_cast<uint8_t>(total_bits >> (8 * i));
  }
  Compress(sha->state, sha->block);
  for (int i = 0; i < 8; ++i) {
    digest[4 * i] = static_cast<uint8_t>(sha->state[i] >> 24);
    digest[4 * i + 1] = static_cast<uint8_t>(sha->state[i] >> 16);
    digest[4 * i + 2] = static_cast<uint8_t>(sha->state[i] >> 8);
    digest[4 * i + 3] = static_cast<uint8_t>(sha->state[i]);
  }
  sha->block_used = 0;
}

void Sha256Digest(const uint8_t* data, size_t size,
                  uint8_t digest[kSha256DigestBytes]) {
  Sha256 sha;
  Sha256Init(&sha);
  Sha256Update(&sha, data, size);
  Sha256Final(&sha, digest);
}

}  // namespace wakeword
