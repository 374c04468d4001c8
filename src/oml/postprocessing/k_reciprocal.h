#pragma once
#include <cstdint>

#include "oml/postprocessing/postprocessor.h"

namespace oml {

struct KReciprocalOptions {
  int64_t k1 = 20;      // ≥ 1
  int64_t k2 = 6;       // ≥ 1
  double lambda = 0.3;  // in [0, 1]
};

// `krnn:k1=20,k2=6,lambda=0.3`: k-reciprocal re-ranking (Zhong et al., CVPR 2017) exactly as spec
// §15, over the stored embeddings of every validation row that is a query or a gallery (each row
// once). Built on sparse neighbour lists, never on a dense node×node matrix:
//   time   two streaming node×node distance passes (kNN graph + row maxima, then final lists)
//          plus Σ_q Σ_{x∈supp V'_q} |{g : V'_g[x] > 0}| for the Jaccard overlaps;
//   memory O(N·(max(k1+1,k2) + |supp V'|) + Σ_q #galleries overlapping q), a few hundred MiB for
//          60k nodes at the defaults.
// Lists are rebuilt from d* = (1−λ)·d_J + λ·D over all non-ignored galleries and hold K items.
class KReciprocalReranking : public RetrievalPostprocessor {
 public:
  explicit KReciprocalReranking(KReciprocalOptions options) : options_(options) {}
  std::string name() const override { return "krnn"; }
  void process(RetrievalResults& results, const PostprocessingContext& context,
               PostprocessingState& state) override;

 private:
  KReciprocalOptions options_;
};

}  // namespace oml
