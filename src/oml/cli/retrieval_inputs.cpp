#include "oml/cli/retrieval_inputs.h"

namespace oml::cli {

FinalDistances run_postprocessing(const std::vector<PostprocessorSpec>& steps, RetrievalResults& results,
                                  const RetrievalInputs& inputs, int64_t list_length, int threads,
                                  const ImageLimits& image_limits) {
  PostprocessingContext context{inputs.queries, inputs.galleries, inputs.problem};
  context.list_length = list_length;
  context.threads = threads;
  context.show_progress = true;
  context.dataframe = &inputs.df;
  context.image_limits = image_limits;
  return apply_postprocessing(steps, results, context);
}

}  // namespace oml::cli
