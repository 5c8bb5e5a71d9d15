// Host test of the model slot check, the model selection and SHA-256
// (firmware/src/model_slot.cc, model_select.cc, sha256.cc).
//
// Usage: test_model_slot <vectors_dir>   (the directory with model_slot_vectors.txt)
// Self-contained (no shared harness): prints one line per case and
// "N passed, M failed" last; exit status 0 only if every case passed.
// Every slot is copied into a buffer of exactly its size, so AddressSanitizer
// catches any read past the end.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../src/model_select.h"
#include "../src/model_slot.h"
#include "../src/sha256.h"

namespace {

int g_failures = 0;

#define EXPECT(cond)                                                      \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ++g_failures;                                                       \
      std::printf("    %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
    }                                                                     \
  } while (0)

#define EXPECT_STATUS(actual, expected, what)                             \
  do {                                                                    \
    const auto got_ = (actual);                                           \
    const auto want_ = (expected);                                        \
    if (got_ != want_) {                                                  \
      ++g_failures;                                                       \
      std::printf("    %s:%d: %s: got %s, want %s\n", __FILE__, __LINE__, \
                  std::string(what).c_str(),                              \
                  wakeword::ModelSlotStatusName(got_),                    \
                  wakeword::ModelSlotStatusName(want_));                  \
    }                                                                     \
  } while (0)

using Bytes = std::vector<uint8_t>;
using wakeword::ModelSlotInfo;
using wakeword::ModelSlotStatus;

std::string g_vectors_dir;

Bytes ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Checks `size` bytes of `data` from a heap buffer of exactly that size.
ModelSlotStatus CheckExact(const uint8_t* data, size_t size, ModelSlotInfo* info) {
  std::unique_ptr<uint8_t[]> exact(new uint8_t[size]);
  if (size > 0) std::memcpy(exact.get(), data, size);
  return wakeword::CheckModelSlot(exact.get(), size, info);
}

std::string Hex(const uint8_t* digest) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < wakeword::kSha256DigestBytes; ++i) {
    out += kDigits[digest[i] >> 4];
    out += kDigits[digest[i] & 15];
  }
  return out;
}

std::string Sha256Hex(const std::string& text) {
  uint8_t digest[wakeword::kSha256DigestBytes];
  wakeword::Sha256Digest(reinterpret_cast<const uint8_t*>(text.data()), text.size(), digest);
  return Hex(digest);
}

ModelSlotStatus StatusFromName(const std::string& name, bool* known) {
  for (int code = 0; code <= 255; ++code) {
    const auto status = static_cast<ModelSlotStatus>(code);
    if (name == wakeword::ModelSlotStatusName(status)) {
      *known = true;
      return status;
    }
  }
  *known = false;
  return ModelSlotStatus::kOk;
}

Bytes Vector(const std::string& name) {
  bool ok = false;
  Bytes slot = ReadFile(g_vectors_dir + "/" + name, &ok);
  if (!ok) std::printf("    cannot read %s\n", name.c_str());
  EXPECT(ok);
  return slot;
}

Bytes ValidSlot() {
  Bytes slot = Vector("model_slot_valid.bin");
  EXPECT(!slot.empty());
  return slot;
}

// --- SHA-256 and CRC-32 -----------------------------------------------------------

void Sha256KnownAnswers() {
  // FIPS 180-2 appendix B and the empty message.
  EXPECT(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // 55, 56 and 64 bytes: the padding edge cases.
  EXPECT(Sha256Hex(std::string(55, 'a')) ==
         "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT(Sha256Hex(std::string(56, 'a')) ==
         "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT(Sha256Hex(std::string(64, 'a')) ==
         "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

void Sha256MillionAsInUnevenChunks() {
  const std::string chunk(997, 'a');
  wakeword::Sha256 sha;
  wakeword::Sha256Init(&sha);
  size_t left = 1000000;
  size_t step = 1;
  while (left > 0) {
    const size_t n = std::min(left, std::min(step, chunk.size()));
    wakeword::Sha256Update(&sha, reinterpret_cast<const uint8_t*>(chunk.data()), n);
    left -= n;
    step = step * 3 % 997 + 1;  // 1..997 bytes, crossing block edges in every way
  }
  uint8_t digest[wakeword::kSha256DigestBytes];
  wakeword::Sha256Final(&sha, digest);
  EXPECT(Hex(digest) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

void Crc32KnownAnswer() {
  const char* text = "123456789";
  EXPECT(wakeword::Crc32(reinterpret_cast<const uint8_t*>(text), 9) == 0xCBF43926u);
  EXPECT(wakeword::Crc32(nullptr, 0) == 0u);
}

// --- vectors written by wakeword/model_slot.py --------------------------------------

void VectorsFromPython() {
  bool ok = false;
  const Bytes index = ReadFile(g_vectors_dir + "/model_slot_vectors.txt", &ok);
  EXPECT(ok);
  std::istringstream lines(std::string(index.begin(), index.end()));
  std::string line;
  int cases = 0;
  bool seen[256] = {};
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, status_name, version, length;
    fields >> file >> status_name >> version >> length;
    bool known = false;
    const ModelSlotStatus want = StatusFromName(status_name, &known);
    EXPECT(known);
    const Bytes slot = ReadFile(g_vectors_dir + "/" + file, &ok);
    EXPECT(ok);
    ModelSlotInfo info;
    EXPECT_STATUS(CheckExact(slot.data(), slot.size(), &info), want, file);
    seen[static_cast<int>(want)] = true;
    if (want == ModelSlotStatus::kOk) {
      std::ostringstream got;
      got << info.version_major << "." << info.version_minor << "." << info.version_patch;
      EXPECT(got.str() == version);
      EXPECT(std::to_string(info.model_length) == length);
      EXPECT(info.format_version == wakeword::kModelSlotFormatVersion);
    } else {
      EXPECT(info.model == nullptr && info.model_length == 0);
    }
    ++cases;
  }
  std::printf("    %d vector files\n", cases);
  EXPECT(cases >= 10);
  // The failures the update flow must tell apart each have a vector and a code.
  EXPECT(seen[static_cast<int>(ModelSlotStatus::kOk)]);
  EXPECT(seen[static_cast<int>(ModelSlotStatus::kBadSha256)]);
  EXPECT(seen[static_cast<int>(ModelSlotStatus::kTruncatedModel)]);
  EXPECT(seen[static_cast<int>(ModelSlotStatus::kTruncatedHeader)]);
  EXPECT(seen[static_cast<int>(ModelSlotStatus::kBadMagic)]);
  EXPECT(seen[static_cast<int>(ModelSlotStatus::kBadLength)]);
}

void ValidSlotPointsIntoTheSlot() {
  const Bytes slot = ValidSlot();
  ModelSlotInfo info;
  EXPECT_STATUS(wakeword::CheckModelSlot(slot.data(), slot.size(), &info), ModelSlotStatus::kOk,
                "valid slot");
  EXPECT(info.model == slot.data() + wakeword::kModelSlotHeaderBytes);
  EXPECT(info.model_length == slot.size() - wakeword::kModelSlotHeaderBytes);
}

void EveryHeaderByteFlipIsRefused() {
  const Bytes slot = ValidSlot();
  for (size_t i = 0; i < wakeword::kModelSlotHeaderBytes && i < slot.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes changed = slot;
      changed[i] ^= static_cast<uint8_t>(1u << bit);
      ModelSlotInfo info;
      const ModelSlotStatus status = CheckExact(changed.data(), changed.size(), &info);
      if (status == ModelSlotStatus::kOk) {
        ++g_failures;
        std::printf("    flipping bit %d of header byte %zu went unnoticed\n", bit, i);
      }
    }
  }
}

void EveryModelByteFlipIsBadSha256() {
  const Bytes slot = ValidSlot();
  for (size_t i = wakeword::kModelSlotHeaderBytes; i < slot.size(); ++i) {
    Bytes changed = slot;
    changed[i] ^= 0x80;
    ModelSlotInfo info;
    EXPECT_STATUS(CheckExact(changed.data(), changed.size(), &info), ModelSlotStatus::kBadSha256,
                  "model byte " + std::to_string(i));
  }
}

void EveryTruncationIsRefused() {
  const Bytes slot = ValidSlot();
  for (size_t size = 0; size < slot.size(); ++size) {
    ModelSlotInfo info;
    const ModelSlotStatus want = size < wakeword::kModelSlotHeaderBytes
                                     ? ModelSlotStatus::kTruncatedHeader
                                     : ModelSlotStatus::kTruncatedModel;
    EXPECT_STATUS(CheckExact(slot.data(), size, &info), want, "size " + std::to_string(size));
  }
}

void NullArgumentsAreRefused() {
  const Bytes slot = ValidSlot();
  ModelSlotInfo info;
  EXPECT_STATUS(wakeword::CheckModelSlot(nullptr, slot.size(), &info),
                ModelSlotStatus::kNullArgument, "null slot");
  EXPECT_STATUS(wakeword::CheckModelSlot(slot.data(), slot.size(), nullptr),
                ModelSlotStatus::kNullArgument, "null info");
}

void StatusNamesAreDistinct() {
  for (int a = 0; a <= static_cast<int>(ModelSlotStatus::kBadSha256); ++a) {
    for (int b = a + 1; b <= static_cast<int>(ModelSlotStatus::kBadSha256); ++b) {
      EXPECT(std::strcmp(wakeword::ModelSlotStatusName(static_cast<ModelSlotStatus>(a)),
                         wakeword::ModelSlotStatusName(static_cast<ModelSlotStatus>(b))) != 0);
    }
  }
}

void NewerComparesMajorMinorPatch() {
  ModelSlotInfo a{1, 1, 2, 3, 10, nullptr};
  ModelSlotInfo b = a;
  EXPECT(!wakeword::ModelSlotNewer(a, b));
  b.version_patch = 2;
  EXPECT(wakeword::ModelSlotNewer(a, b));
  b.version_minor = 3;
  EXPECT(!wakeword::ModelSlotNewer(a, b));
  EXPECT(wakeword::ModelSlotNewer(b, a));
  b = a;
  b.version_major = 0;
  b.version_minor = 65535;
  EXPECT(wakeword::ModelSlotNewer(a, b));
}

// --- model selection (SelectModel): built-in slot vs update slot -------------------
//
// The built-in is model_slot_valid.bin (1.2.3, 3000 bytes); the update slots are
// written by the same Python writer (tests/vectors/make_model_slot_vectors.py), padded
// with erased flash to whole 4 KiB pages like the board's update slot.

using wakeword::ModelSelection;
using wakeword::ModelSource;

// A slot in a heap buffer of exactly its size (AddressSanitizer catches over-reads).
struct ExactSlot {
  explicit ExactSlot(const Bytes& bytes) : size(bytes.size()), data(new uint8_t[bytes.size()]) {
    if (size > 0) std::memcpy(data.get(), bytes.data(), size);
  }
  size_t size;
  std::unique_ptr<uint8_t[]> data;
};

ModelSlotStatus Select(const ExactSlot& builtin, const ExactSlot& update, ModelSelection* out) {
  return wakeword::SelectModel(builtin.data.get(), builtin.size, update.data.get(), update.size, out);
}

std::string Version(const ModelSlotInfo& info) {
  std::ostringstream out;
  out << info.version_major << "." << info.version_minor << "." << info.version_patch;
  return out.str();
}

void ExpectBuiltIn(const ModelSelection& s, const ExactSlot& builtin) {
  EXPECT(s.source == ModelSource::kBuiltIn);
  EXPECT_STATUS(s.builtin_status, ModelSlotStatus::kOk, "built-in status");
  EXPECT(s.info.model == builtin.data.get() + wakeword::kModelSlotHeaderBytes);
  EXPECT(s.info.model_length == 3000);
  EXPECT(Version(s.info) == "1.2.3");
}

void SelectErasedUpdateSlotRunsTheBuiltIn() {
  const ExactSlot builtin(ValidSlot());
  const ExactSlot erased(Vector("model_slot_erased_flash.bin"));
  ModelSelection s;
  EXPECT_STATUS(Select(builtin, erased, &s), ModelSlotStatus::kOk, "select");
  ExpectBuiltIn(s, builtin);
  EXPECT_STATUS(s.update_status, ModelSlotStatus::kBadMagic, "erased update slot");
  EXPECT(!s.update_not_newer);
  EXPECT(s.update_info.model == nullptr && s.update_info.model_length == 0);
}

void SelectValidNewerUpdateRunsTheUpdate() {
  const ExactSlot builtin(ValidSlot());
  const ExactSlot update(Vector("model_slot_update_newer.bin"));
  ModelSelection s;
  EXPECT_STATUS(Select(builtin, update, &s), ModelSlotStatus::kOk, "select");
  EXPECT(s.source == ModelSource::kUpdate);
  EXPECT_STATUS(s.update_status, ModelSlotStatus::kOk, "update status");
  EXPECT(!s.update_not_newer);
  EXPECT(Version(s.info) == "1.3.0");  // minor up, patch down: still newer
  EXPECT(s.info.model == update.data.get() + wakeword::kModelSlotHeaderBytes);
  EXPECT(s.info.model_length == 2500);
  EXPECT(std::strcmp(wakeword::ModelSourceName(s.source), "update") == 0);
}

void SelectRefusesAnOlderOrEqualUpdate() {
  const ExactSlot builtin(ValidSlot());
  for (const char* name : {"model_slot_update_same_version.bin", "model_slot_update_older.bin"}) {
    const ExactSlot update(Vector(name));
    ModelSelection s;
    EXPECT_STATUS(Select(builtin, update, &s), ModelSlotStatus::kOk, name);
    ExpectBuiltIn(s, builtin);
    EXPECT_STATUS(s.update_status, ModelSlotStatus::kOk, name);  // valid, but a downgrade
    EXPECT(s.update_not_newer);
    EXPECT(s.update_info.model == update.data.get() + wakeword::kModelSlotHeaderBytes);
  }
}

void SelectRefusesATamperedUpdate() {
  const ExactSlot builtin(ValidSlot());
  const ExactSlot update(Vector("model_slot_update_newer_flipped_model_byte.bin"));
  ModelSelection s;
  EXPECT_STATUS(Select(builtin, update, &s), ModelSlotStatus::kOk, "select");
  ExpectBuiltIn(s, builtin);
  EXPECT_STATUS(s.update_status, ModelSlotStatus::kBadSha256, "tampered update");
  EXPECT(!s.update_not_newer);
}

void SelectRunsNothingWhenTheBuiltInIsTampered() {
  const ExactSlot tampered(Vector("model_slot_flipped_model_byte.bin"));
  // Not even a valid newer update runs: the firmware image itself is damaged.
  for (const char* name : {"model_slot_erased_flash.bin", "model_slot_update_newer.bin"}) {
    const ExactSlot update(Vector(name));
    ModelSelection s;
    EXPECT_STATUS(Select(tampered, update, &s), ModelSlotStatus::kBadSha256, name);
    EXPECT(s.source == ModelSource::kNone);
    EXPECT_STATUS(s.builtin_status, ModelSlotStatus::kBadSha256, name);
    EXPECT(s.info.model == nullptr && s.info.model_length == 0);
  }
}

// A transfer cut off after any number of bytes leaves the update slot a prefix of the
// new image followed by erased flash: only the complete image may run.
void SelectNeverRunsAPartlyWrittenUpdate() {
  const ExactSlot builtin(ValidSlot());
  const Bytes image = Vector("model_slot_update_newer.bin");
  const size_t complete = wakeword::kModelSlotHeaderBytes + 2500;
  EXPECT(image.size() >= complete);
  int partial_refused = 0;
  for (size_t written = 0; written <= complete; ++written) {
    Bytes slot(image.size(), 0xFF);
    std::memcpy(slot.data(), image.data(), written);
    const ExactSlot update(slot);
    ModelSelection s;
    EXPECT_STATUS(Select(builtin, update, &s), ModelSlotStatus::kOk, "select");
    if (written < complete) {
      if (s.source != ModelSource::kBuiltIn || s.update_status == ModelSlotStatus::kOk) {
        std::printf("    %zu of %zu bytes written: %s ran\n", written, complete,
                    wakeword::ModelSourceName(s.source));
        EXPECT(false);
      } else {
        ++partial_refused;
      }
    } else {
      EXPECT(s.source == ModelSource::kUpdate);
    }
  }
  EXPECT(partial_refused == static_cast<int>(complete));
}

void SelectWithoutAnUpdateSlot() {
  const ExactSlot builtin(ValidSlot());
  ModelSelection s;
  EXPECT_STATUS(wakeword::SelectModel(builtin.data.get(), builtin.size, nullptr, 0, &s),
                ModelSlotStatus::kOk, "no update slot");
  ExpectBuiltIn(s, builtin);
  EXPECT_STATUS(s.update_status, ModelSlotStatus::kNullArgument, "null update slot");
  EXPECT_STATUS(wakeword::SelectModel(builtin.data.get(), builtin.size, builtin.data.get(), 0, &s),
                ModelSlotStatus::kOk, "empty update slot");
  EXPECT_STATUS(s.update_status, ModelSlotStatus::kTruncatedHeader, "empty update slot");
  EXPECT_STATUS(wakeword::SelectModel(nullptr, 0, builtin.data.get(), builtin.size, &s),
                ModelSlotStatus::kNullArgument, "null built-in");
  EXPECT(s.source == ModelSource::kNone);
  EXPECT_STATUS(wakeword::SelectModel(builtin.data.get(), builtin.size, nullptr, 0, nullptr),
                ModelSlotStatus::kNullArgument, "null selection");
}

struct Case {
  const char* name;
  void (*fn)();
};

const Case kCases[] = {
    {"Sha256KnownAnswers", Sha256KnownAnswers},
    {"Sha256MillionAsInUnevenChunks", Sha256MillionAsInUnevenChunks},
    {"Crc32KnownAnswer", Crc32KnownAnswer},
    {"VectorsFromPython", VectorsFromPython},
    {"ValidSlotPointsIntoTheSlot", ValidSlotPointsIntoTheSlot},
    {"EveryHeaderByteFlipIsRefused", EveryHeaderByteFlipIsRefused},
    {"EveryModelByteFlipIsBadSha256", EveryModelByteFlipIsBadSha256},
    {"EveryTruncationIsRefused", EveryTruncationIsRefused},
    {"NullArgumentsAreRefused", NullArgumentsAreRefused},
    {"StatusNamesAreDistinct", StatusNamesAreDistinct},
    {"NewerComparesMajorMinorPatch", NewerComparesMajorMinorPatch},
    {"SelectErasedUpdateSlotRunsTheBuiltIn", SelectErasedUpdateSlotRunsTheBuiltIn},
    {"SelectValidNewerUpdateRunsTheUpdate", SelectValidNewerUpdateRunsTheUpdate},
    {"SelectRefusesAnOlderOrEqualUpdate", SelectRefusesAnOlderOrEqualUpdate},
    {"SelectRefusesATamperedUpdate", SelectRefusesATamperedUpdate},
    {"SelectRunsNothingWhenTheBuiltInIsTampered", SelectRunsNothingWhenTheBuiltInIsTampered},
    {"SelectNeverRunsAPartlyWrittenUpdate", SelectNeverRunsAPartlyWrittenUpdate},
    {"SelectWithoutAnUpdateSlot", SelectWithoutAnUpdateSlot},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <vectors_dir>\n", argv[0]);
    return 2;
  }
  g_vectors_dir = argv[1];
  int passed = 0;
  int failed = 0;
  for (const Case& test_case : kCases) {
    g_failures = 0;
    test_case.fn();
    if (g_failures == 0) {
      ++passed;
      std::printf("PASS %s\n", test_case.name);
    } else {
      ++failed;
      std::printf("FAIL %s\n", test_case.name);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
