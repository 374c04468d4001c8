#pragma once
// Shared by the evaluate/search CLI tests: a scratch directory with a CSV and embeddings, and a
// runner that captures exit code and output of the built `oml` binary.
#include <string>
#include <vector>

#include "oml/io/npy.h"
#include "support/command.h"
#include "support/scratch_dir.h"

namespace oml::retrieval_cli {

using test_support::CommandResult;
using test_support::read_text;
using test_support::run_oml;
using test_support::ScratchDir;

inline Matrix rows_matrix(const std::vector<std::vector<float>>& rows) {
  Matrix m;
  m.rows = static_cast<int64_t>(rows.size());
  m.cols = static_cast<int64_t>(rows[0].size());
  for (const auto& r : rows) m.values.insert(m.values.end(), r.begin(), r.end());
  return m;
}

// Labels [0,0,0,0,1,1] 1 vs rest (spec §11.6's exact case shape) plus one train row, 1-D
// embeddings chosen so that query 0's neighbours are rows 1,2,4,3,5.
inline std::string write_small_dataset(const ScratchDir& dir) {
  const std::string csv = dir.write("df.csv",
                                    "label,path,split,is_query,is_gallery,category\n"
                                    "9,t.jpg,train,,,x\n"
                                    "0,a.jpg,validation,True,True,shoes\n"
                                    "0,b.jpg,validation,True,True,shoes\n"
                                    "0,c.jpg,validation,True,True,shoes\n"
                                    "0,d.jpg,validation,True,True,bags\n"
                                    "1,e.jpg,validation,True,True,bags\n"
                                    "1,f.jpg,validation,True,True,bags\n");
  write_npy(dir.file("e.npy"), rows_matrix({{100}, {0}, {1}, {3}, {10}, {4}, {12}}));
  return csv;
}

}  // namespace oml::retrieval_cli
