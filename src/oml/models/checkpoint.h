#pragma once
#include <torch/nn/module.h>

#include <string>

#include "oml/models/torch_file.h"

// OML's checkpoint semantics on top of torch_file.h (spec §3.4).
namespace oml {

// The state dict of a checkpoint: obj["state_dict"] when present (Lightning .ckpt), else the
// object itself, minus `criterion.*` keys (OML drops the loss's weights). Python objects anywhere
// else in the file are ignored; a non-tensor value inside the state dict is an InputError naming
// the key and its class.
NamedTensors read_state_dict(const std::string& path);

// OML's prefix rule: the first key (stored order) containing `trial_key` gives the prefix (the
// part before it: "" for DINO files, "model." for OML checkpoints, "extractor.model." inside a
// ConcatSiamese). Every key must carry the prefix; it is stripped from all of them.
// `trial_key` is "norm.bias" for a ViT, "extractor." style keys for other models.
NamedTensors strip_key_prefix(NamedTensors state, const std::string& trial_key, const std::string& path);

// Strict load: the checkpoint's keys must equal module.named_parameters() + named_buffers() keys and
// every shape must match; otherwise an InputError naming the file and `what` (e.g. "arch vits16")
// lists the first missing, unexpected and mis-shaped keys with their counts. Values are converted to
// the parameter dtype.
void load_state_dict_strict(torch::nn::Module& module, const NamedTensors& state, const std::string& path,
                            const std::string& what);

// Parameters then buffers, in module order (the order torch's state_dict() would list them).
NamedTensors module_state(const torch::nn::Module& module);

// Saves the module as a flat {key: float32 tensor} torch.save file, keys in module order.
void save_module_state(const torch::nn::Module& module, const std::string& path,
                       const std::string& key_prefix = "");

}  // namespace oml
