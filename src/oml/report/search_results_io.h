#pragma once
#include <string>

#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml {

// Reads the `oml search` output (`query_row,rank,gallery_row,distance`, CSV rows, rank from 1)
// back into per-query lists for `problem`. Queries of the problem that the file does not mention
// get empty lists. Throws InputError naming the file and line for an unknown query or gallery
// row, a row that is not a query/gallery of the validation split, a bad number or a rank gap.
RetrievalResults read_search_results(const std::string& path, const RetrievalProblem& problem);

}  // namespace oml
