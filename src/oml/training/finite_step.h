#pragma once
#include <torch/torch.h>

// One non-finite loss or gradient turns every weight into NaN for good (the optimizer's moments
// keep it), so such a step is skipped instead of applied, as PyTorch's GradScaler does for fp16.
namespace oml::training {

// True when the loss and every element of every gradient of the optimizer's parameters are finite.
bool loss_and_gradients_finite(const torch::Tensor& loss, torch::optim::Optimizer& optimizer);

// Drops every gradient of the optimizer's parameters (PyTorch 2's `zero_grad(set_to_none=True)`,
// the default OML's users run): the next backward() then stores its gradients instead of adding
// them to zeroed buffers, which saves a write and a read-modify-write of every weight per step.
void clear_gradients(torch::optim::Optimizer& optimizer);

// backward() already ran: applies the step when everything is finite, else drops the gradients.
// Returns whether the step was applied.
bool step_if_finite(const torch::Tensor& loss, torch::optim::Optimizer& optimizer);

}  // namespace oml::training
