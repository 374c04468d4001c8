#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "oml/postprocessing/postprocessor.h"

namespace oml {

// The key=value pairs of one `--post` token after validation: every key is known, well-typed and
// in range, and keys with a default are filled in.
class PostprocessorOptions {
 public:
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
  const std::string& text(const std::string& key) const;
  void set(const std::string& key, std::string value) { values_[key] = std::move(value); }
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

enum class OptionType { kInteger, kReal, kText };

struct OptionSpec {
  std::string key;
  OptionType type = OptionType::kReal;
  bool required = false;
  std::string default_value;  // "" = none (the key is absent unless given)
  double min = -1e300;        // inclusive bounds for numbers
  double max = 1e300;
  std::string help;
};

// One postprocessor the pipeline knows. Adding one (e.g. `pairwise`) = adding one entry to the
// table in pipeline.cpp: its keys, and a factory that takes the validated options.
struct PostprocessorEntry {
  std::string name;
  std::string summary;
  std::vector<OptionSpec> options;
  // The option whose value the retrieval lists must at least hold (qe's n, pairwise's top_n).
  std::string list_length_key;
  // Rules across keys (e.g. exactly one of th / n_std); throws InputError. May be empty.
  std::function<void(const PostprocessorOptions&, const std::string& token)> check;
  std::function<std::unique_ptr<RetrievalPostprocessor>(const PostprocessorOptions&)> make;
};

// Every known postprocessor, in the order they are listed in messages.
const std::vector<PostprocessorEntry>& postprocessor_registry();

struct PostprocessorSpec {
  std::string token;  // as the user wrote it
  std::string name;
  PostprocessorOptions options;
};

// Parses `name[:key=value,key=value...]`. Throws InputError naming the token and, as the case may
// be, the valid names, the valid keys, or the offending key with its allowed range.
PostprocessorSpec parse_postprocessor_spec(const std::string& token);
std::vector<PostprocessorSpec> parse_postprocessor_specs(const std::vector<std::string>& tokens);

// The smallest K the retrieval lists need for these steps (0 if none asks for any).
int64_t required_list_length(const std::vector<PostprocessorSpec>& specs);

// Markdown-free help: one line per postprocessor with its keys and defaults.
std::string describe_postprocessors();

// Applies the steps in order to `results` (lists rebuilt with context.list_length items where a
// step re-searches) and returns every pair's final distance recipe for fnmr@fmr (spec §11.3).
// With no steps, the result is plain Euclidean distance between the stored embeddings.
FinalDistances apply_postprocessing(const std::vector<PostprocessorSpec>& specs, RetrievalResults& results,
                                    const PostprocessingContext& context);

// apply_postprocessing in two halves, for a long-lived caller (`oml serve`) that builds the steps
// once (a pairwise step loads its checkpoint when built) and applies them to many result sets.
std::vector<std::unique_ptr<RetrievalPostprocessor>> make_postprocessors(
    const std::vector<PostprocessorSpec>& specs);
FinalDistances run_postprocessors(const std::vector<RetrievalPostprocessor*>& steps,
                                  RetrievalResults& results, const PostprocessingContext& context);
FinalDistances apply_postprocessing(const std::vector<std::string>& tokens, RetrievalResults& results,
                                    const PostprocessingContext& context);

}  // namespace oml
