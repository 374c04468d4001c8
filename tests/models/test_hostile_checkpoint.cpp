// Sizes a checkpoint states are checked against the file before anything is allocated
// (src/oml/models/torch_file_reader.cpp, zip_directory.cpp). The files are written here with
// libtorch's own zip writer and a hand-made pickle, so each test holds exactly one lie.
#include <caffe2/serialize/inline_container.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "oml/common/errors.h"
#include "oml/models/torch_file.h"
#include "support/scratch_dir.h"

namespace oml {
namespace {

using test_support::ScratchDir;
using testing::HasSubstr;

std::string little_endian(uint64_t value, size_t width) {
  std::string out;
  for (size_t i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

std::string binunicode(const std::string& text) { return "X" + little_endian(text.size(), 4) + text; }

// The pickle of {'w': a 1-D float tensor of `size` elements on a storage that claims `numel`},
// with the storage as torch.save's persistent id (pickle protocol 2).
std::string state_dict_pickle(uint64_t numel, int size = 4) {
  return std::string("\x80\x02}", 3) + binunicode("w") + "ctorch._utils\n_rebuild_tensor_v2\n(" + "(" +
         binunicode("storage") + "ctorch\nFloatStorage\n" + binunicode("0") + binunicode("cpu") + "\x8a\x08" +
         little_endian(numel, 8) + "tQ" + std::string("K\x00", 2) + "K" + static_cast<char>(size) + "\x85" +
         "K\x01\x85\x89" + "ccollections\nOrderedDict\n)R" + "tRs.";
}

// A torch.save-style zip: data.pkl, data/0 with four floats 1..4.
std::string write_zip(const ScratchDir& dir, const std::string& name, const std::string& pickle) {
  const std::string path = dir.file(name);
  const float values[4] = {1, 2, 3, 4};
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  writer.writeRecord("data/0", values, sizeof values);
  writer.writeEndOfFile();
  return path;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string error_of(const std::string& path) {
  try {
    read_torch_file(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(HostileCheckpoint, HonestZipLoadsItsTensor) {
  const ScratchDir dir("hostile_ckpt_honest");
  const PickleValue value = read_torch_file(write_zip(dir, "honest.pth", state_dict_pickle(4)));
  const PickleValue w = value->find("w");
  ASSERT_TRUE(w && w->kind == PickleObject::Kind::Tensor);
  EXPECT_TRUE(torch::equal(w->tensor, torch::tensor({1.0f, 2.0f, 3.0f, 4.0f})));
}

TEST(HostileCheckpoint, StorageClaimingMoreThanItsRecordIsRefusedBeforeAllocating) {
  // 10^12 floats (4 TB) claimed over a 16-byte record.
  const ScratchDir dir("hostile_ckpt_numel");
  const std::string path = write_zip(dir, "numel.pth", state_dict_pickle(1000000000000));
  EXPECT_THAT(error_of(path),
              HasSubstr(path + ": tensor storage '0' claims 1000000000000 elements of 4 bytes, "
                               "but its record 'data/0' holds 16 bytes"));
  // A negative count (2^64 - 1 read as int64) too.
  const std::string negative = write_zip(dir, "negative.pth", state_dict_pickle(~uint64_t{0}));
  EXPECT_THAT(error_of(negative), HasSubstr("claims -1 elements"));
}

TEST(HostileCheckpoint, CompressedEntryDeclaringMoreThanDeflateCanGiveIsRefused) {
  // The directory says data/0 is deflated and inflates to 1 GiB from 16 bytes: libtorch's reader
  // would allocate the gigabyte before finding out.
  const ScratchDir dir("hostile_ckpt_deflate");
  const std::string path = write_zip(dir, "deflate.pth", state_dict_pickle(4));
  std::string bytes = read_bytes(path);
  size_t entry = bytes.find("PK\x01\x02");
  while (entry != std::string::npos && bytes.compare(entry + 46, 14, "deflate/data/0") != 0)
    entry = bytes.find("PK\x01\x02", entry + 4);
  ASSERT_NE(entry, std::string::npos);
  bytes.replace(entry + 10, 2, little_endian(8, 2));         // method: deflate
  bytes.replace(entry + 24, 4, little_endian(1u << 30, 4));  // uncompressed size: 1 GiB
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_THAT(error_of(path),
              HasSubstr(path + ": zip entry 'data/0' declares 1073741824 bytes (16 compressed), "
                               "more than a "));
}

TEST(HostileCheckpoint, LegacyStorageClaimingMoreThanTheFileIsRefusedBeforeAllocating) {
  // torch.save's legacy stream: magic, protocol 1001, sys info, the object, the storage keys; the
  // data would follow. The storage claims 10^12 floats in a file of about 300 bytes.
  const std::string magic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
  const std::string stream = std::string("\x80\x02\x8a\x0a", 4) + magic + "." + "\x80\x02M\xe9\x03." +
                             "\x80\x02}." + state_dict_pickle(1000000000000) + "\x80\x02]" + binunicode("0") +
                             "a.";
  const ScratchDir dir("hostile_ckpt_legacy");
  const std::string path = dir.file("legacy.pth");
  std::ofstream(path, std::ios::binary) << stream;
  EXPECT_THAT(error_of(path),
              HasSubstr(path + ": tensor storage '0' claims 1000000000000 elements of 4 bytes, "
                               "more than the "));
}

TEST(HostileCheckpoint, AMillionNestedTuplesInAZipAreRefused) {
  const ScratchDir dir("hostile_ckpt_nested");
  const std::string pickle = "\x80\x02]" + std::string(1000000, '\x85') + ".";
  const std::string path = write_zip(dir, "nested.pth", pickle);
  EXPECT_THAT(error_of(path), HasSubstr("containers nest more than 1000 levels deep"));
}

}  // namespace
}  // namespace oml
