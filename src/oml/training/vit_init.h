#pragma once
#include "oml/models/vit.h"

namespace oml::training {

// DINO's random initialisation (VisionTransformer._init_weights): Linear weights, cls_token and
// pos_embed ~ truncated normal(std 0.02, cut at +-2 absolute), Linear biases 0, LayerNorm weight 1
// and bias 0; the patch-embedding convolution keeps PyTorch's default initialisation. Draws from
// torch's global generator: seed it first (torch::manual_seed) for a reproducible model.
void init_dino_weights(VisionTransformerImpl& vit);

// timm/DINO trunc_normal_: inverse-CDF sampling of N(mean, std) restricted to [low, high].
void truncated_normal_(torch::Tensor& tensor, double mean, double std, double low, double high);

}  // namespace oml::training
