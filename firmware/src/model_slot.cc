#include "model_slot.h"

#include "sha256.h"

namespace wakeword {
namespace {

uint16_t ReadU16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t ReadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void ClearInfo(ModelSlotInfo* info) {
  info->format_version = 0;
  info->version_major = 0;
  info->version_minor = 0;
  info->version_patch = 0;
  info->model_length = 0;
  info->model = nullptr;
}

ModelSlotStatus CheckHeaderAndModel(const uint8_t* slot, size_t slot_size,
                                    ModelSlotInfo* info) {
  if (slot_size < kModelSlotHeaderBytes) return ModelSlotStatus::kTruncatedHeader;
  for (size_t i = 0; i < sizeof(kModelSlotMagic); ++i) {
    if (slot[kModelSlotOffsetMagic + i] != kModelSlotMagic[i]) {
      return ModelSlotStatus::kBadMagic;
    }
  }
  if (ReadU16(slot + kModelSlotOffsetHeaderVersion) != kModelSlotHeaderVersion ||
      ReadU16(slot + kModelSlotOffsetHeaderBytes) != kModelSlotHeaderBytes) {
    return ModelSlotStatus::kBadHeaderVersion;
  }
  if (Crc32(slot, kModelSlotOffsetHeaderCrc) != ReadU32(slot + kModelSlotOffsetHeaderCrc)) {
    return ModelSlotStatus::kBadHeaderCrc;
  }
  for (size_t i = 0; i < kModelSlotReservedBytes; ++i) {
    if (slot[kModelSlotOffsetReserved + i] != 0) return ModelSlotStatus::kReservedNotZero;
  }
  if (ReadU16(slot + kModelSlotOffsetFormatVersion) != kModelSlotFormatVersion) {
    return ModelSlotStatus::kBadFormatVersion;
  }
  const uint32_t model_length = ReadU32(slot + kModelSlotOffsetModelLength);
  if (model_length == 0 || model_length > kModelSlotMaxModelBytes) {
    return ModelSlotStatus::kBadLength;
  }
  // slot_size >= header here, so the subtraction cannot wrap.
  if (model_length > slot_size - kModelSlotHeaderBytes) {
    return ModelSlotStatus::kTruncatedModel;
  }
  const uint8_t* model = slot + kModelSlotHeaderBytes;
  uint8_t digest[kSha256DigestBytes];
  Sha256Digest(model, model_length, digest);
  uint8_t difference = 0;
  for (size_t i = 0; i < kSha256DigestBytes; ++i) {
    difference |= static_cast<uint8_t>(digest[i] ^ slot[kModelSlotOffsetSha256 + i]);
  }
  if (difference != 0) return ModelSlotStatus::kBadSha256;

  info->format_version = ReadU16(slot + kModelSlotOffsetFormatVersion);
  info->version_major = ReadU16(slot + kModelSlotOffsetVersionMajor);
  info->version_minor = ReadU16(slot + kModelSlotOffsetVersionMinor);
  info->version_patch = ReadU16(slot + kModelSlotOffsetVersionPatch);
  info->model_length = model_length;
  info->model = model;
  return ModelSlotStatus::kOk;
}

}  // namespace

const char* ModelSlotStatusName(ModelSlotStatus status) {
  switch (status) {
    case ModelSlotStatus::kOk: return "ok";
    case ModelSlotStatus::kNullArgument: return "null_argument";
    case ModelSlotStatus::kTruncatedHeader: return "truncated_header";
    case ModelSlotStatus::kBadMagic: return "bad_magic";
    case ModelSlotStatus::kBadHeaderVersion: return "bad_header_version";
    case ModelSlotStatus::kBadHeaderCrc: return "bad_header_crc";
    case ModelSlotStatus::kReservedNotZero: return "reserved_not_zero";
    case ModelSlotStatus::kBadFormatVersion: return "bad_format_version";
    case ModelSlotStatus::kBadLength: return "bad_length";
    case ModelSlotStatus::kTruncatedModel: return "truncated_model";
    case ModelSlotStatus::kBadSha256: return "bad_sha256";
  }
  return "unknown";
}

ModelSlotStatus CheckModelSlot(const uint8_t* slot, size_t slot_size,
                               ModelSlotInfo* info) {
  if (info == nullptr) return ModelSlotStatus::kNullArgument;
  ClearInfo(info);
  if (slot == nullptr) return ModelSlotStatus::kNullArgument;
  return CheckHeaderAndModel(slot, slot_size, info);
}

bool ModelSlotNewer(const ModelSlotInfo& a, const ModelSlotInfo& b) {
  if (a.version_major != b.version_major) return a.version_major > b.version_major;
  if (a.version_minor != b.version_minor) return a.version_minor > b.version_minor;
  return a.version_patch > b.version_patch;
}

uint32_t Crc32(const uint8_t* data, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

}  // namespace wakeword
