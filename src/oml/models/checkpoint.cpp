#include "oml/models/checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <map>
#include <set>

#include "oml/common/errors.h"

namespace oml {
namespace {

using Kind = PickleObject::Kind;

constexpr size_t kListedKeys = 5;

std::string list_some(const std::vector<std::string>& names) {
  std::vector<std::string> shown(
      names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), kListedKeys)));
  return fmt::format("{}{}", fmt::join(shown, ", "), names.size() > kListedKeys ? ", ..." : "");
}

std::string shape_text(torch::IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes, ", ")); }

bool is_criterion_key(const std::string& key) { return key.rfind("criterion.", 0) == 0; }

}  // namespace

NamedTensors read_state_dict(const std::string& path) {
  const auto root = read_torch_file(path);
  if (root->kind != Kind::Dict) {
    throw InputError(fmt::format("{}: the checkpoint holds a {}, not a state dict", path, root->type_name()));
  }
  auto state = root->find("state_dict");
  if (!state) state = root;
  if (state->kind != Kind::Dict) {
    throw InputError(
        fmt::format("{}: 'state_dict' is a {}, not a dict of tensors", path, state->type_name()));
  }
  NamedTensors tensors;
  for (const auto& [key, value] : state->entries) {
    if (!key->is_string()) {
      throw InputError(
          fmt::format("{}: state dict key of type {} (expected strings)", path, key->type_name()));
    }
    if (is_criterion_key(key->text)) continue;
    if (value->kind != Kind::Tensor) {
      throw InputError(fmt::format("{}: state dict entry '{}' is a {}, not a tensor", path, key->text,
                                   value->type_name()));
    }
    tensors.emplace_back(key->text, value->tensor);
  }
  return tensors;
}

NamedTensors strip_key_prefix(NamedTensors state, const std::string& trial_key, const std::string& path) {
  std::string prefix;
  bool found = false;
  for (const auto& entry : state) {
    const auto at = entry.first.find(trial_key);
    if (at != std::string::npos) {
      prefix = entry.first.substr(0, at);
      found = true;
      break;
    }
  }
  if (!found) {
    std::vector<std::string> keys;
    for (const auto& entry : state) keys.push_back(entry.first);
    throw InputError(
        fmt::format("{}: no state dict key contains '{}', so these are not weights of this model "
                    "({} keys: {})",
                    path, trial_key, keys.size(), list_some(keys)));
  }
  std::vector<std::string> without_prefix;
  for (auto& entry : state) {
    if (entry.first.rfind(prefix, 0) != 0) {
      without_prefix.push_back(entry.first);
    } else {
      entry.first.erase(0, prefix.size());
    }
  }
  if (!without_prefix.empty()) {
    throw InputError(fmt::format("{}: {} keys lack the prefix '{}' (found on '{}{}'): {}", path,
                                 without_prefix.size(), prefix, prefix, trial_key,
                                 list_some(without_prefix)));
  }
  return state;
}

NamedTensors module_state(const torch::nn::Module& module) {
  NamedTensors state;
  for (const auto& item : module.named_parameters(true)) state.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(true)) state.emplace_back(item.key(), item.value());
  return state;
}

void load_state_dict_strict(torch::nn::Module& module, const NamedTensors& state, const std::string& path,
                            const std::string& what) {
  const NamedTensors targets = module_state(module);
  std::map<std::string, torch::Tensor> given(state.begin(), state.end());
  std::set<std::string> expected;
  std::vector<std::string> missing;
  std::vector<std::string> mismatched;
  for (const auto& [key, target] : targets) {
    expected.insert(key);
    auto found = given.find(key);
    if (found == given.end()) {
      missing.push_back(key);
    } else if (found->second.sizes() != target.sizes()) {
      mismatched.push_back(fmt::format("{} {} in the file vs {}", key, shape_text(found->second.sizes()),
                                       shape_text(target.sizes())));
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& entry : state) {
    if (!expected.count(entry.first)) unexpected.push_back(entry.first);
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::vector<std::string> parts;
    if (!missing.empty())
      parts.push_back(fmt::format("{} missing keys ({})", missing.size(), list_some(missing)));
    if (!unexpected.empty()) {
      parts.push_back(fmt::format("{} unexpected keys ({})", unexpected.size(), list_some(unexpected)));
    }
    if (!mismatched.empty()) {
      parts.push_back(
          fmt::format("{} keys with another shape ({})", mismatched.size(), list_some(mismatched)));
    }
    throw InputError(fmt::format("{}: the weights do not fit {}: {}", path, what, fmt::join(parts, "; ")));
  }
  torch::NoGradGuard no_grad;
  for (const auto& [key, target] : targets) target.copy_(given.at(key));
}

void save_module_state(const torch::nn::Module& module, const std::string& path,
                       const std::string& key_prefix) {
  NamedTensors state;
  for (const auto& [key, value] : module_state(module)) {
    state.emplace_back(key_prefix + key, value.is_floating_point() ? value.to(torch::kFloat32) : value);
  }
  write_torch_file(path, state);
}

}  // namespace oml
