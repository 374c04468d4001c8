#pragma once
// The postprocessing seam between retrieval and metrics/output of `oml evaluate` and `oml search`
// (full binary only: the steps may run a libtorch re-ranker).
#include <vector>

#include "oml/cli/light/retrieval_inputs.h"
#include "oml/postprocessing/pipeline.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml::cli {

// Applies the --post steps in order to the per-query lists (spec §10-15) and returns every pair's
// final distance for fnmr@fmr. `image_limits` guards the images the pairwise re-ranker reads
// (--max-image-pixels).
FinalDistances run_postprocessing(const std::vector<PostprocessorSpec>& steps, RetrievalResults& results,
                                  const RetrievalInputs& inputs, int64_t list_length, int threads,
                                  const ImageLimits& image_limits);

}  // namespace oml::cli
