#include "oml/models/siamese_checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <map>

#include "oml/common/errors.h"
#include "oml/models/checkpoint.h"

namespace oml {

std::vector<int64_t> read_siamese_mlp_dims(const std::string& path) {
  const auto state = strip_key_prefix(read_state_dict(path), "extractor.", path);
  // head.<index>.weight for the Linear layers at indices 3j; the last one (out 1) has no bias.
  std::map<int64_t, int64_t> out_features;
  for (const auto& [key, tensor] : state) {
    if (key.rfind("head.", 0) != 0) continue;
    const auto dot = key.find('.', 5);
    if (dot == std::string::npos || key.substr(dot) != ".weight" || tensor.dim() != 2) continue;
    out_features[std::stoll(key.substr(5, dot - 5))] = tensor.size(0);
  }
  if (out_features.empty())
    throw InputError(path + ": no head.* weights, so this is not a ConcatSiamese checkpoint");
  std::vector<int64_t> dims;
  for (const auto& [index, width] : out_features) dims.push_back(width);
  dims.pop_back();  // the final Linear(h_m -> 1)
  return dims;
}

std::string describe_siamese(const ConcatSiameseImpl& model) {
  return fmt::format("ConcatSiamese({}, mlp [{}])", model.arch(),
                     fmt::join(model.mlp_hidden_dims(), ","));
}

void load_concat_siamese(ConcatSiameseImpl& model, const std::string& path) {
  const auto state = strip_key_prefix(read_state_dict(path), "extractor.", path);
  load_state_dict_strict(model, state, path, describe_siamese(model));
}

void save_concat_siamese(const ConcatSiameseImpl& model, const std::string& path) {
  save_module_state(model, path);
}

void load_extractor_into_siamese(ConcatSiameseImpl& model, const std::string& path) {
  model.extractor()->load_checkpoint(path);
}

}  // namespace oml
