// `oml zoo`: the pretrained weights oml.cpp knows (spec §4) and whether each is in the cache.
#include <cstdio>

#include "oml/cli/commands.h"
#include "oml/models/zoo.h"

namespace oml::cli {
namespace {

const char* status_text(ZooCacheStatus status) {
  switch (status) {
    case ZooCacheStatus::kValid:
      return "cached";
    case ZooCacheStatus::kChecksumMismatch:
      return "md5 mismatch (will re-download)";
    case ZooCacheStatus::kMissing:
      break;
  }
  return "not downloaded";
}

void run_zoo() {
  const std::string cache_dir = zoo_cache_dir();
  std::printf("%-23s %-18s %-9s %-16s %s\n", "name", "arch", "normalise", "transform", "cache");
  for (const ZooEntry& entry : zoo_entries()) {
    std::printf("%-23s %-18s %-9s %-16s %s\n", entry.name.c_str(), entry.arch.c_str(),
                entry.normalise ? "yes" : "no", entry.transform.c_str(),
                status_text(zoo_cache_status(entry, cache_dir)));
  }
  std::printf("\ncache: %s\n", cache_dir.c_str());
  std::printf(
      "Pass a name to --weights; --transform pretrained uses its transform (albu ones are not "
      "reproduced).\n");
}

}  // namespace

void add_zoo_command(CLI::App& app) {
  auto* command = app.add_subcommand("zoo", "List pretrained extractor weights and their cache status");
  command->callback([] { run_zoo(); });
}

}  // namespace oml::cli
