#include "oml/postprocessing/thresholding.h"

#include <algorithm>

namespace oml {

void ConstantThresholding::process(RetrievalResults& results, const PostprocessingContext&,
                                   PostprocessingState&) {
  // float32 comparison, as torch compares a float32 tensor with a Python float: a distance
  // equal to float32(th) is dropped even when float32(th) < th.
  const auto threshold = static_cast<float>(threshold_);
  for (auto& list : results.lists) {
    // A mask, as OML's: keeps the order of whatever survives (NaN never survives).
    const auto end = std::remove_if(list.begin(), list.end(),
                                    [&](const Neighbor& n) { return !(n.distance < threshold); });
    list.erase(end, list.end());
  }
}

void AdaptiveThresholding::process(RetrievalResults& results, const PostprocessingContext&,
                                   PostprocessingState&) {
  double gap_sum = 0.0;
  int64_t gaps = 0;
  for (const auto& list : results.lists) {
    for (size_t i = 1; i < list.size(); ++i) {
      gap_sum += static_cast<double>(list[i].distance) - list[i - 1].distance;
      ++gaps;
    }
  }
  if (gaps == 0) return;  // no list has two items: nothing to cut
  const double cut = n_std_ * (gap_sum / static_cast<double>(gaps));
  for (auto& list : results.lists) {
    for (size_t i = 1; i < list.size(); ++i) {
      if (static_cast<double>(list[i].distance) - list[i - 1].distance > cut) {
        list.resize(i);
        break;
      }
    }
  }
}

}  // namespace oml
