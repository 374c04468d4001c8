// The `--post` spec parser (postprocessing/pipeline): one token per line, as repeated --post options.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "oml/common/errors.h"
#include "oml/postprocessing/pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    tokens.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  try {
    const std::vector<oml::PostprocessorSpec> specs = oml::parse_postprocessor_specs(tokens);
    (void)oml::required_list_length(specs);
    // The validated values read back as their declared types (what the factories do).
    for (const auto& spec : specs) {
      for (const auto& entry : oml::postprocessor_registry()) {
        if (entry.name != spec.name) continue;
        if (entry.check) entry.check(spec.options, spec.token);
        for (const auto& option : entry.options) {
          if (!spec.options.has(option.key)) continue;
          if (option.type == oml::OptionType::kInteger) (void)spec.options.integer(option.key);
          if (option.type == oml::OptionType::kReal) (void)spec.options.real(option.key);
          if (option.type == oml::OptionType::kText) (void)spec.options.text(option.key);
        }
      }
    }
  } catch (const oml::InputError&) {
  }
  return 0;
}
