#include "oml/training/finite_step.h"

#include <vector>

namespace oml::training {

bool loss_and_gradients_finite(const torch::Tensor& loss, torch::optim::Optimizer& optimizer) {
  torch::NoGradGuard no_grad;
  // One sum per tensor and a single synchronisation: an inf or NaN anywhere makes the total
  // non-finite (inf - inf is NaN), and finite gradients large enough to overflow it are unusable too.
  std::vector<torch::Tensor> sums{loss.detach().to(torch::kDouble).sum()};
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& parameter : group.params()) {
      if (parameter.grad().defined()) sums.push_back(parameter.grad().to(torch::kDouble).sum());
    }
  }
  return torch::stack(sums).sum().isfinite().item<bool>();
}

bool step_if_finite(const torch::Tensor& loss, torch::optim::Optimizer& optimizer) {
  if (!loss_and_gradients_finite(loss, optimizer)) {
    optimizer.zero_grad();
    return false;
  }
  optimizer.step();
  return true;
}

}  // namespace oml::training
