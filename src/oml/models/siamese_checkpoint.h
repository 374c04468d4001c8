#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "oml/models/siamese.h"

// ConcatSiamese checkpoints (spec §6.1): files OML's ConcatSiamese(weights=...) loads, and OML's
// files (plain state dicts, Lightning .ckpt with `state_dict` and a `model.` prefix) loaded here.
namespace oml {

// The hidden sizes of the head stored in a siamese checkpoint (head.<3j>.weight shapes), for
// commands that let the user omit --mlp / mlp=. Throws InputError when the file has no head.
std::vector<int64_t> read_siamese_mlp_dims(const std::string& path);

// Unwraps `state_dict`, strips the prefix found with trial key "extractor." and loads strictly.
void load_concat_siamese(ConcatSiameseImpl& model, const std::string& path);

// Flat {key: float32} torch.save file, keys in module order (extractor.model.*, head.*), written
// atomically.
void save_concat_siamese(const ConcatSiameseImpl& model, const std::string& path);

// Initialises the siamese's extractor from an extractor checkpoint with that family's rules (ViT:
// DINO .pth, OML .ckpt, §3.4 prefix rule; ResNet: torchvision/OML/MoCo files), as OML's
// ConcatSiamese wraps a pretrained extractor. The head keeps its random init.
void load_extractor_into_siamese(ConcatSiameseImpl& model, const std::string& path);

// "ConcatSiamese(vits16, mlp [100])" for messages.
std::string describe_siamese(const ConcatSiameseImpl& model);

}  // namespace oml
