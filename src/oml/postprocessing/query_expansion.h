#pragma once
#include <cstdint>
#include <vector>

#include "oml/postprocessing/postprocessor.h"

namespace oml {

// Spec §14. Each anchor a (unit vector) becomes normalise(a + Σ_{i≤n} w_i·p_i), where p_i are the
// pool vectors of the first min(n, len) neighbours of a and w_i = max(a·p_i, 0)^alpha (0^0 = 1).
Matrix expand_with_neighbors(const Matrix& anchors, const Matrix& pool,
                             const std::vector<std::vector<Neighbor>>& neighbors, int64_t n, double alpha);

// `qe:n=N[,alpha=A]`: average (alpha=0) or alpha-weighted query expansion over each query's
// current list, then an exact re-search of the whole gallery under the same ignore rule.
// Distances are on the unit-vector scale. Cost: one Q×G streaming search; memory O(Q·D).
class QueryExpansion : public RetrievalPostprocessor {
 public:
  QueryExpansion(int64_t n, double alpha) : n_(n), alpha_(alpha) {}
  std::string name() const override { return "qe"; }
  void process(RetrievalResults& results, const PostprocessingContext& context,
               PostprocessingState& state) override;

 private:
  int64_t n_;
  double alpha_;
};

// `dba:n=M[,alpha=A]`: database-side augmentation. Every gallery vector is expanded with its M
// nearest other galleries (one G×G streaming search), then the unit queries are re-searched
// against the augmented gallery under the same ignore rule. Later qe steps use the augmented
// galleries. Memory O((Q+G)·D + G·M).
class DatabaseAugmentation : public RetrievalPostprocessor {
 public:
  DatabaseAugmentation(int64_t n, double alpha) : n_(n), alpha_(alpha) {}
  std::string name() const override { return "dba"; }
  void process(RetrievalResults& results, const PostprocessingContext& context,
               PostprocessingState& state) override;

 private:
  int64_t n_;
  double alpha_;
};

}  // namespace oml
