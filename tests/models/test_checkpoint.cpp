#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"
#include "oml/models/vit.h"
#include "vit_fixtures.h"

namespace oml {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("oml_test_checkpoint_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no InputError>";
}

std::vector<std::string> keys_of(const NamedTensors& tensors) {
  std::vector<std::string> keys;
  for (const auto& entry : tensors) keys.push_back(entry.first);
  return keys;
}

TEST(ReadStateDict, ZipOrderedDictKeepsDinoKeysInStoredOrder) {
  const auto state = read_state_dict(testing::vit_fixture("tiny.pth"));
  VisionTransformer vit(testing::tiny_vit_config());
  EXPECT_EQ(keys_of(state), keys_of(module_state(*vit)));
  EXPECT_EQ(state.front().first, "cls_token");
  EXPECT_EQ(state.back().first, "norm.bias");
  EXPECT_EQ(state[1].second.sizes(), (std::vector<int64_t>{1, 197, 32}));
  EXPECT_EQ(state[1].second.scalar_type(), torch::kFloat32);
}

TEST(ReadStateDict, LegacyFormatGivesTheSameTensors) {
  const auto zip = read_state_dict(testing::vit_fixture("tiny.pth"));
  const auto legacy = read_state_dict(testing::vit_fixture("tiny_legacy.pth"));
  ASSERT_EQ(keys_of(zip), keys_of(legacy));
  for (size_t i = 0; i < zip.size(); ++i)
    EXPECT_TRUE(torch::equal(zip[i].second, legacy[i].second)) << zip[i].first;
}

TEST(ReadStateDict, LightningCheckpointSkipsPythonObjectsAndDropsCriterion) {
  // hyper_parameters holds a PosixPath, an argparse.Namespace, a set and a 2**80 int.
  auto state = read_state_dict(testing::vit_fixture("tiny_lightning.ckpt"));
  EXPECT_EQ(state.front().first, "model.cls_token");
  for (const auto& key : keys_of(state)) EXPECT_EQ(key.rfind("criterion.", 0), std::string::npos) << key;
  const auto stripped = strip_key_prefix(state, "norm.bias", "x.ckpt");
  const auto plain = read_state_dict(testing::vit_fixture("tiny.pth"));
  ASSERT_EQ(keys_of(stripped), keys_of(plain));
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(torch::equal(stripped[i].second, plain[i].second));
}

TEST(ReadStateDict, PythonObjectInsideTheStateDictIsRejectedByClassName) {
  const auto message = error_of([] { read_state_dict(testing::vit_fixture("bad_entry.pth")); });
  EXPECT_THAT(message, HasSubstr("bad_entry.pth"));
  EXPECT_THAT(message, HasSubstr("'norm.bias' is a pathlib.PosixPath"));
}

TEST(ReadStateDict, TruncatedFileIsAClearError) {
  const auto dir = temp_dir("truncated");
  const auto path = (dir / "half.pth").string();
  std::ifstream in(testing::vit_fixture("tiny.pth"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  EXPECT_THAT(error_of([&] { read_state_dict(path); }),
              HasSubstr("half.pth: not a readable PyTorch zip checkpoint"));

  const auto legacy_path = (dir / "half_legacy.pth").string();
  std::ifstream legacy_in(testing::vit_fixture("tiny_legacy.pth"), std::ios::binary);
  std::string legacy((std::istreambuf_iterator<char>(legacy_in)), std::istreambuf_iterator<char>());
  std::ofstream(legacy_path, std::ios::binary)
      .write(legacy.data(), static_cast<std::streamsize>(legacy.size() - 100));
  EXPECT_THAT(error_of([&] { read_state_dict(legacy_path); }), HasSubstr("truncated"));
  fs::remove_all(dir);
}

TEST(ReadStateDict, OtherFilesAreNotCheckpoints) {
  const auto dir = temp_dir("other");
  const auto text = (dir / "notes.pth").string();
  std::ofstream(text) << "hello";
  EXPECT_THAT(error_of([&] { read_state_dict(text); }), HasSubstr("notes.pth: not a PyTorch checkpoint"));
  EXPECT_THAT(error_of([&] { read_state_dict((dir / "missing.pth").string()); }), HasSubstr("cannot open"));
  fs::remove_all(dir);
}

TEST(StripKeyPrefix, UsesTheFirstKeyHoldingTheTrialKey) {
  NamedTensors state = {{"extractor.model.norm.bias", torch::zeros(1)},
                        {"extractor.model.x", torch::zeros(1)}};
  EXPECT_EQ(keys_of(strip_key_prefix(state, "norm.bias", "f")), (std::vector<std::string>{"norm.bias", "x"}));
  NamedTensors mixed = {{"model.norm.bias", torch::zeros(1)}, {"head.0.weight", torch::zeros(1)}};
  EXPECT_THAT(
      error_of([&] { strip_key_prefix(mixed, "norm.bias", "s.pth"); }),
      HasSubstr("s.pth: 1 keys lack the prefix 'model.' (found on 'model.norm.bias'): head.0.weight"));
  NamedTensors none = {{"fc.weight", torch::zeros(1)}};
  EXPECT_THAT(error_of([&] { strip_key_prefix(none, "norm.bias", "r.pth"); }),
              HasSubstr("r.pth: no state dict key contains 'norm.bias'"));
}

TEST(LoadStateDictStrict, WrongArchListsMismatchedShapesAndMissingKeys) {
  VisionTransformer vits16(vit_config_for_arch("vits16"));
  const auto state = read_state_dict(testing::vit_fixture("tiny.pth"));
  const auto message = error_of([&] { load_state_dict_strict(*vits16, state, "tiny.pth", "arch vits16"); });
  EXPECT_THAT(message, HasSubstr("tiny.pth: the weights do not fit arch vits16"));
  EXPECT_THAT(message, HasSubstr("120 missing keys (blocks.2.norm1.weight"));
  EXPECT_THAT(message,
              HasSubstr("30 keys with another shape (cls_token [1, 1, 32] in the file vs [1, 1, 384]"));
}

TEST(LoadStateDictStrict, UnexpectedKeysAreListed) {
  VisionTransformer vit(testing::tiny_vit_config());
  auto state = read_state_dict(testing::vit_fixture("tiny.pth"));
  state.emplace_back("head.weight", torch::zeros({3}));
  EXPECT_THAT(error_of([&] { load_state_dict_strict(*vit, state, "t.pth", "arch tiny"); }),
              HasSubstr("1 unexpected keys (head.weight)"));
}

TEST(LoadStateDictStrict, CopiesValuesAndConvertsHalfPrecision) {
  VisionTransformer vit(testing::tiny_vit_config());
  auto state = read_state_dict(testing::vit_fixture("tiny.pth"));
  for (auto& entry : state) entry.second = entry.second.to(torch::kFloat16);
  load_state_dict_strict(*vit, state, "t.pth", "arch tiny");
  const auto loaded = module_state(*vit);
  EXPECT_TRUE(torch::equal(loaded[0].second, state[0].second.to(torch::kFloat32)));
}

TEST(WriteTorchFile, RoundTripsThroughOurReader) {
  const auto dir = temp_dir("roundtrip");
  const auto path = (dir / "out.pth").string();
  VisionTransformer vit(testing::tiny_vit_config());
  save_module_state(*vit, path, "model.");
  const auto state = read_state_dict(path);
  const auto expected = module_state(*vit);
  ASSERT_EQ(state.size(), expected.size());
  for (size_t i = 0; i < state.size(); ++i) {
    EXPECT_EQ(state[i].first, "model." + expected[i].first);
    EXPECT_TRUE(torch::equal(state[i].second, expected[i].second));
  }
  fs::remove_all(dir);
}

TEST(WriteTorchFile, PythonTorchLoadReadsItBack) {
  if (!fs::exists(testing::python_interpreter())) GTEST_SKIP() << "no /usr/bin/python3";
  const auto dir = temp_dir("python");
  const auto path = (dir / "out.pth").string();
  NamedTensors tensors = {{"a.weight", torch::arange(12, torch::kFloat32).reshape({3, 4}).t()},
                          {"scalar", torch::tensor(2.5f).reshape({})},
                          {"ints", torch::tensor(std::vector<int64_t>{-1, 7, 3000000000LL})},
                          {"flags", torch::tensor({1, 0}, torch::kUInt8)}};
  write_torch_file(path, tensors);
  const std::string script =
      "import sys, torch, collections\n"
      "d = torch.load(sys.argv[1])\n"
      "assert isinstance(d, collections.OrderedDict), type(d)\n"
      "assert list(d) == ['a.weight', 'scalar', 'ints', 'flags'], list(d)\n"
      "assert torch.equal(d['a.weight'], torch.arange(12.).reshape(3, 4).t())\n"
      "assert d['a.weight'].is_contiguous() and d['scalar'].dim() == 0 and d['scalar'].item() == 2.5\n"
      "assert d['ints'].tolist() == [-1, 7, 3000000000] and d['ints'].dtype == torch.int64\n"
      "assert d['flags'].tolist() == [1, 0] and d['flags'].dtype == torch.uint8\n"
      "print('ok')\n";
  const auto script_path = (dir / "check.py").string();
  std::ofstream(script_path) << script;
  const std::string command = testing::python_interpreter() + " " + script_path + " " + path + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[4096];
  std::string output;
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "ok\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace oml
