#pragma once
#include <cstdint>

#include "oml/retrieval/retrieval_problem.h"

namespace oml {

// The part of `problem` with queries [q_begin, q_end) and galleries [g_begin, g_end), renumbered
// from 0 on both sides: what one block of queries against one gallery shard sees. Labels,
// sequences, categories (names kept whole) and the self-match of each query follow their rows;
// a query whose own row lies outside the gallery range has no self-match here. The pcf
// population (validation rows) is left out: a slice serves retrieval, not pcf.
RetrievalProblem slice_problem(const RetrievalProblem& problem, int64_t q_begin, int64_t q_end,
                               int64_t g_begin, int64_t g_end);

}  // namespace oml
