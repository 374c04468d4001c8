// CSV reading and OML's validation rules (data/dataframe*): any bytes either give a Dataframe or an
// InputError; anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/retrieval/retrieval_problem.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = oml::fuzz::write_scratch_file("df.csv", data, size);
  try {
    const oml::Dataframe df = oml::read_dataframe(path, oml::fuzz::scratch_directory());
    // The checks the commands run next, on whatever the reader accepted.
    try {
      oml::require_query_categories(df);
    } catch (const oml::InputError&) {
    }
    try {
      oml::require_train_split(df);
    } catch (const oml::InputError&) {
    }
    oml::require_validation_split(df);
    (void)oml::make_retrieval_problem(df);
  } catch (const oml::InputError&) {
  }
  return 0;
}
