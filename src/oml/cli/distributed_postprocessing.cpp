#include "oml/cli/distributed_postprocessing.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "oml/distributed/pair_scoring.h"
#include "oml/postprocessing/pairwise_reranker.h"

namespace oml::cli {

bool chain_reads_embeddings(const std::vector<PostprocessorSpec>& steps, bool final_distances_needed) {
  if (steps.empty()) return false;
  if (final_distances_needed) return true;
  return std::any_of(steps.begin(), steps.end(), [](const PostprocessorSpec& s) {
    return s.name != "pairwise" && s.name != "threshold";
  });
}

DistributedChain::DistributedChain(distributed::ProcessGroup& job,
                                   const std::vector<PostprocessorSpec>& specs)
    : job_(job), steps_(make_postprocessors(specs)) {}

DistributedChain::~DistributedChain() = default;

std::optional<FinalDistances> DistributedChain::run(distributed::ShardedRetrievalInputs& inputs,
                                                    RetrievalResults& results, int64_t list_length,
                                                    int threads, const ImageLimits& image_limits,
                                                    bool whole_embeddings) {
  inputs.galleries = Matrix{};  // the shard served the sharded retrieval; rank 0 reads what it needs
  const Matrix none;
  if (!job_.is_root()) {
    PostprocessingContext context{none, none, inputs.problem};
    context.list_length = list_length;
    context.threads = threads;
    context.show_progress = true;  // drawn or not as set_progress_output says
    context.dataframe = &inputs.df;
    context.image_limits = image_limits;
    distributed::serve_pair_scoring(
        job_, [&](int64_t step, int64_t batch_size) -> distributed::LocalPairScorer {
          auto* reranker = step >= 0 && step < static_cast<int64_t>(steps_.size())
                               ? dynamic_cast<PairwiseReranker*>(steps_[static_cast<size_t>(step)].get())
                               : nullptr;
          if (!reranker || reranker->forward_batch_size() != batch_size) {
            throw std::logic_error("pair scoring: rank 0 asked for step " + std::to_string(step) +
                                   ", which is not the same pairwise step here");
          }
          return reranker->make_scorer(context);
        });
    return std::nullopt;
  }
  distributed::PairScoringCoordinator coordinator(job_);
  try {
    Matrix queries;
    Matrix galleries;
    if (whole_embeddings) {
      queries = inputs.embeddings->read_rows(inputs.problem.query_rows);
      galleries = inputs.embeddings->read_rows(inputs.problem.gallery_rows);
    }
    PostprocessingContext context{queries, galleries, inputs.problem};
    context.list_length = list_length;
    context.threads = threads;
    context.show_progress = true;
    context.dataframe = &inputs.df;
    context.image_limits = image_limits;
    const PairScoringExecutor executor = [&](const RetrievalPostprocessor& step,
                                             const std::vector<RowPair>& pairs, int64_t batch_size,
                                             const PairScoringFunction& local) {
      const auto at =
          std::find_if(steps_.begin(), steps_.end(), [&](const auto& s) { return s.get() == &step; });
      if (at == steps_.end()) throw std::logic_error("pair scoring: a step outside the chain");
      return coordinator.score(at - steps_.begin(), pairs, batch_size, local);
    };
    context.pair_executor = &executor;
    std::vector<RetrievalPostprocessor*> order;
    for (const auto& step : steps_) order.push_back(step.get());
    FinalDistances final_distances = run_postprocessors(order, results, context);
    coordinator.finish();
    return final_distances;
  } catch (const std::exception& error) {
    coordinator.abort(error);
    throw;
  }
}

}  // namespace oml::cli
