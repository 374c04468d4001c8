#pragma once
#include "oml/postprocessing/postprocessor.h"

namespace oml {

// `threshold:th=V` (OML 4.0's ConstantThresholding, spec §13): keeps the items with distance
// strictly below V. Lists only shrink; pair distances (fnmr@fmr) are unchanged. O(total list size).
class ConstantThresholding : public RetrievalPostprocessor {
 public:
  explicit ConstantThresholding(double threshold) : threshold_(threshold) {}
  std::string name() const override { return "threshold"; }
  void process(RetrievalResults& results, const PostprocessingContext& context,
               PostprocessingState& state) override;

 private:
  double threshold_;
};

// `threshold:n_std=V` (OML 4.0's AdaptiveThresholding, spec §13): with avg = the mean of every
// consecutive gap over all current lists, each list is cut after its first gap > V·avg.
class AdaptiveThresholding : public RetrievalPostprocessor {
 public:
  explicit AdaptiveThresholding(double n_std) : n_std_(n_std) {}
  std::string name() const override { return "threshold"; }
  void process(RetrievalResults& results, const PostprocessingContext& context,
               PostprocessingState& state) override;

 private:
  double n_std_;
};

}  // namespace oml
