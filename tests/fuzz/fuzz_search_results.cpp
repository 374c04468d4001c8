// The `oml search` output read back by `oml report` (report/search_results_io), against a fixed
// problem of 6 validation rows (queries 0-4, galleries 1-5) and one train row.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/report/search_results_io.h"
#include "oml/retrieval/retrieval_problem.h"

namespace {

const oml::RetrievalProblem& problem() {
  static const oml::RetrievalProblem fixed = [] {
    const std::string csv =
        "label,path,split,is_query,is_gallery\n"
        "0,a.jpg,validation,True,False\n"
        "0,b.jpg,validation,True,True\n"
        "1,c.jpg,validation,True,True\n"
        "1,d.jpg,validation,True,True\n"
        "2,e.jpg,validation,True,True\n"
        "2,f.jpg,validation,False,True\n"
        "3,g.jpg,train,,\n";
    const std::string path = oml::fuzz::write_scratch_file(
        "problem.csv", reinterpret_cast<const uint8_t*>(csv.data()), csv.size());
    return oml::make_retrieval_problem(oml::read_dataframe(path));
  }();
  return fixed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const oml::RetrievalProblem& fixed = problem();
  const std::string path = oml::fuzz::write_scratch_file("results.csv", data, size);
  try {
    const oml::RetrievalResults results = oml::read_search_results(path, fixed);
    if (results.lists.size() != fixed.query_rows.size()) __builtin_trap();
  } catch (const oml::InputError&) {
  }
  return 0;
}
