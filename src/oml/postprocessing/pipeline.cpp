#include "oml/postprocessing/pipeline.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

#include "oml/common/errors.h"
#include "oml/postprocessing/k_reciprocal.h"
#include "oml/postprocessing/pairwise_reranker.h"
#include "oml/postprocessing/query_expansion.h"
#include "oml/postprocessing/thresholding.h"

namespace oml {
namespace {

constexpr double kLargestCount = 2147483647.0;  // lists and neighbour counts are int32-indexed

bool parse_integer(const std::string& text, int64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool parse_real(const std::string& text, double& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

std::string format_bound(double v) { return fmt::format("{}", v); }

std::string describe_range(const OptionSpec& spec) {
  const char* kind = spec.type == OptionType::kInteger ? "an integer" : "a number";
  const bool has_min = spec.min > -1e300;
  const bool has_max = spec.max < 1e300 && !(spec.type == OptionType::kInteger && spec.max >= kLargestCount);
  if (has_min && has_max) {
    return fmt::format("{} in [{}, {}]", kind, format_bound(spec.min), format_bound(spec.max));
  }
  if (has_min) return fmt::format("{} >= {}", kind, format_bound(spec.min));
  if (has_max) return fmt::format("{} <= {}", kind, format_bound(spec.max));
  return kind;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

const PostprocessorEntry& find_entry(const std::string& name, const std::string& token) {
  std::vector<std::string> names;
  for (const auto& entry : postprocessor_registry()) {
    if (entry.name == name) return entry;
    names.push_back(entry.name);
  }
  throw InputError(
      fmt::format("--post '{}': unknown postprocessor '{}' (valid: {})", token, name, join_names(names)));
}

void check_value(const OptionSpec& spec, const std::string& value, const std::string& token) {
  auto fail = [&]() {
    throw InputError(
        fmt::format("--post '{}': {} must be {} (got '{}')", token, spec.key, describe_range(spec), value));
  };
  if (spec.type == OptionType::kText) {
    if (value.empty()) throw InputError(fmt::format("--post '{}': {} must not be empty", token, spec.key));
    return;
  }
  double number = 0.0;
  if (spec.type == OptionType::kInteger) {
    int64_t integer = 0;
    if (!parse_integer(value, integer)) fail();
    number = static_cast<double>(integer);
  } else if (!parse_real(value, number)) {
    fail();
  }
  if (number < spec.min || number > spec.max) fail();
}

void check_exactly_one_threshold(const PostprocessorOptions& options, const std::string& token) {
  if (options.has("th") == options.has("n_std")) {
    throw InputError(
        fmt::format("--post '{}': threshold needs exactly one of th (constant, keeps d < th) "
                    "or n_std (adaptive gap cut)",
                    token));
  }
}

std::vector<PostprocessorEntry> make_registry() {
  const OptionSpec count_key{"n", OptionType::kInteger, true, "", 1, kLargestCount, "list items averaged in"};
  const OptionSpec alpha_key{
      "alpha", OptionType::kReal, false, "0", 0, 1e300, "weight exponent; 0 = plain average"};
  std::vector<PostprocessorEntry> entries;
  entries.push_back(pairwise_postprocessor_entry());
  {
    PostprocessorEntry qe;
    qe.name = "qe";
    qe.summary = "query expansion with the first n items of each list, then a re-search";
    qe.options = {count_key, alpha_key};
    qe.options[0].help = "list items averaged into the query";
    qe.list_length_key = "n";
    qe.make = [](const PostprocessorOptions& o) {
      return std::make_unique<QueryExpansion>(o.integer("n"), o.real("alpha"));
    };
    entries.push_back(std::move(qe));
  }
  {
    PostprocessorEntry dba;
    dba.name = "dba";
    dba.summary = "database-side augmentation with each gallery's n nearest galleries";
    dba.options = {count_key, alpha_key};
    dba.options[0].help = "nearest other galleries averaged into each gallery";
    dba.make = [](const PostprocessorOptions& o) {
      return std::make_unique<DatabaseAugmentation>(o.integer("n"), o.real("alpha"));
    };
    entries.push_back(std::move(dba));
  }
  {
    PostprocessorEntry krnn;
    krnn.name = "krnn";
    krnn.summary = "k-reciprocal re-ranking (Zhong et al. 2017)";
    krnn.options = {
        {"k1", OptionType::kInteger, false, "20", 1, kLargestCount, "k-reciprocal neighbourhood size"},
        {"k2", OptionType::kInteger, false, "6", 1, kLargestCount, "local query expansion size"},
        {"lambda", OptionType::kReal, false, "0.3", 0, 1, "weight of the original distance"},
    };
    krnn.make = [](const PostprocessorOptions& o) {
      KReciprocalOptions options;
      options.k1 = o.integer("k1");
      options.k2 = o.integer("k2");
      options.lambda = o.real("lambda");
      return std::make_unique<KReciprocalReranking>(options);
    };
    entries.push_back(std::move(krnn));
  }
  {
    PostprocessorEntry threshold;
    threshold.name = "threshold";
    threshold.summary = "cut lists at a distance (th) or at a large gap (n_std)";
    threshold.options = {
        {"th", OptionType::kReal, false, "", -1e300, 1e300, "keep items with distance < th"},
        {"n_std", OptionType::kReal, false, "", 0, 1e300, "cut after the first gap > n_std x mean gap"},
    };
    threshold.check = check_exactly_one_threshold;
    threshold.make = [](const PostprocessorOptions& o) -> std::unique_ptr<RetrievalPostprocessor> {
      if (o.has("th")) return std::make_unique<ConstantThresholding>(o.real("th"));
      return std::make_unique<AdaptiveThresholding>(o.real("n_std"));
    };
    entries.push_back(std::move(threshold));
  }
  return entries;
}

}  // namespace

int64_t PostprocessorOptions::integer(const std::string& key) const {
  int64_t value = 0;
  if (!has(key) || !parse_integer(values_.at(key), value)) {
    throw std::logic_error("postprocessor option '" + key + "' is not a validated integer");
  }
  return value;
}

double PostprocessorOptions::real(const std::string& key) const {
  double value = 0.0;
  if (!has(key) || !parse_real(values_.at(key), value)) {
    throw std::logic_error("postprocessor option '" + key + "' is not a validated number");
  }
  return value;
}

const std::string& PostprocessorOptions::text(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("postprocessor option '" + key + "' is absent");
  return it->second;
}

const std::vector<PostprocessorEntry>& postprocessor_registry() {
  static const std::vector<PostprocessorEntry> registry = make_registry();
  return registry;
}

PostprocessorSpec parse_postprocessor_spec(const std::string& token) {
  PostprocessorSpec spec;
  spec.token = token;
  const size_t colon = token.find(':');
  spec.name = token.substr(0, colon);
  const PostprocessorEntry& entry = find_entry(spec.name, token);
  std::vector<std::string> valid_keys;
  for (const auto& o : entry.options) valid_keys.push_back(o.key);

  std::set<std::string> given;
  if (colon != std::string::npos) {
    const std::string body = token.substr(colon + 1);
    size_t start = 0;
    while (start <= body.size()) {
      const size_t comma = std::min(body.find(',', start), body.size());
      const std::string pair = body.substr(start, comma - start);
      start = comma + 1;
      const size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw InputError(fmt::format("--post '{}': expected key=value, got '{}' (valid keys for {}: {})",
                                     token, pair, entry.name, join_names(valid_keys)));
      }
      const std::string key = pair.substr(0, eq);
      const std::string value = pair.substr(eq + 1);
      const OptionSpec* option = nullptr;
      for (const auto& o : entry.options) {
        if (o.key == key) option = &o;
      }
      if (!option) {
        throw InputError(fmt::format("--post '{}': unknown key '{}' for {} (valid keys: {})", token, key,
                                     entry.name, join_names(valid_keys)));
      }
      if (!given.insert(key).second) {
        throw InputError(fmt::format("--post '{}': key '{}' given twice", token, key));
      }
      check_value(*option, value, token);
      spec.options.set(key, value);
    }
  }
  for (const auto& o : entry.options) {
    if (given.count(o.key)) continue;
    if (o.required) {
      throw InputError(
          fmt::format("--post '{}': {} needs {}=<{}>", token, entry.name, o.key, describe_range(o)));
    }
    if (!o.default_value.empty()) spec.options.set(o.key, o.default_value);
  }
  if (entry.check) entry.check(spec.options, token);
  return spec;
}

std::vector<PostprocessorSpec> parse_postprocessor_specs(const std::vector<std::string>& tokens) {
  std::vector<PostprocessorSpec> specs;
  specs.reserve(tokens.size());
  for (const auto& token : tokens) specs.push_back(parse_postprocessor_spec(token));
  return specs;
}

int64_t required_list_length(const std::vector<PostprocessorSpec>& specs) {
  int64_t k = 0;
  for (const auto& spec : specs) {
    const PostprocessorEntry& entry = find_entry(spec.name, spec.token);
    if (!entry.list_length_key.empty() && spec.options.has(entry.list_length_key)) {
      k = std::max(k, spec.options.integer(entry.list_length_key));
    }
  }
  return k;
}

std::string describe_postprocessors() {
  std::string out;
  for (const auto& entry : postprocessor_registry()) {
    out += fmt::format("  {}: {}\n", entry.name, entry.summary);
    for (const auto& o : entry.options) {
      const std::string dflt = o.required                ? "required"
                               : o.default_value.empty() ? "optional"
                                                         : "default " + o.default_value;
      out += fmt::format("    {} ({}, {}): {}\n", o.key, describe_range(o), dflt, o.help);
    }
  }
  return out;
}

std::vector<std::unique_ptr<RetrievalPostprocessor>> make_postprocessors(
    const std::vector<PostprocessorSpec>& specs) {
  std::vector<std::unique_ptr<RetrievalPostprocessor>> steps;
  for (const auto& spec : specs) steps.push_back(find_entry(spec.name, spec.token).make(spec.options));
  return steps;
}

FinalDistances run_postprocessors(const std::vector<RetrievalPostprocessor*>& steps,
                                  RetrievalResults& results, const PostprocessingContext& context) {
  PostprocessingState state = PostprocessingState::initial(context);
  for (RetrievalPostprocessor* step : steps) step->process(results, context, state);
  return std::move(state.final_distances);
}

FinalDistances apply_postprocessing(const std::vector<PostprocessorSpec>& specs, RetrievalResults& results,
                                    const PostprocessingContext& context) {
  // Build every step first: a bad option fails before any expensive step has run.
  const auto steps = make_postprocessors(specs);
  std::vector<RetrievalPostprocessor*> order;
  for (const auto& step : steps) order.push_back(step.get());
  return run_postprocessors(order, results, context);
}

FinalDistances apply_postprocessing(const std::vector<std::string>& tokens, RetrievalResults& results,
                                    const PostprocessingContext& context) {
  return apply_postprocessing(parse_postprocessor_specs(tokens), results, context);
}

}  // namespace oml
