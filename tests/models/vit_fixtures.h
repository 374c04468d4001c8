#pragma once
#include <torch/torch.h>

#include <string>

#include "oml/models/checkpoint.h"
#include "oml/models/unpickler.h"
#include "oml/models/vit_config.h"

// Shared by the model tests: paths of tests/fixtures/vit (made by make_vit_reference.py) and the
// reduced ViT config those files use.
namespace oml::testing {

inline std::string vit_fixture(const std::string& name) {
  return std::string(OML_SOURCE_DIR) + "/tests/fixtures/vit/" + name;
}

inline ViTConfig tiny_vit_config() { return ViTConfig{"tiny", 16, 32, 2, 2, 64, 14}; }

// io.pth as a key -> tensor map.
inline std::map<std::string, torch::Tensor> reference_tensors() {
  std::map<std::string, torch::Tensor> out;
  for (auto& [key, value] : read_state_dict(vit_fixture("io.pth"))) out[key] = value;
  return out;
}

// uint8 [B,H,W,3] -> ToTensor + Normalize, the same float32 ops as the Python reference.
inline torch::Tensor to_float_input(const torch::Tensor& images_u8) {
  const auto mean = torch::tensor({0.485f, 0.456f, 0.406f}).view({1, 3, 1, 1});
  const auto std = torch::tensor({0.229f, 0.224f, 0.225f}).view({1, 3, 1, 1});
  const auto x = images_u8.permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0f;
  return ((x - mean) / std).contiguous();
}

inline std::string python_interpreter() { return "/usr/bin/python3"; }

}  // namespace oml::testing
