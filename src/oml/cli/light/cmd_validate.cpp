// `oml validate`: reads and validates an OML CSV (spec §1), checks that every image file exists
// (rule 7) and optionally decodes each one (validate_command.h), then prints a summary.
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "oml/cli/commands.h"
#include "oml/cli/light/validate_command.h"
#include "oml/common/errors.h"
#include "oml/data/dataframe.h"

namespace oml::cli {
namespace {

struct DatasetSummary {
  int64_t train = 0, validation = 0, queries = 0, galleries = 0, both = 0, bbox_rows = 0;
  std::set<int64_t> labels;
  std::set<std::string> categories, sequences;
};

DatasetSummary summarise(const Dataframe& df) {
  DatasetSummary s;
  for (const DataframeRow& row : df.rows) {
    (row.is_train ? s.train : s.validation) += 1;
    s.queries += row.is_query ? 1 : 0;
    s.galleries += row.is_gallery ? 1 : 0;
    s.both += row.is_query && row.is_gallery ? 1 : 0;
    s.bbox_rows += row.bbox ? 1 : 0;
    s.labels.insert(row.label);
    if (row.category) s.categories.insert(*row.category);
    if (row.sequence) s.sequences.insert(*row.sequence);
  }
  return s;
}

void print_summary(const Dataframe& df, const DatasetSummary& s, int64_t missing_files,
                   const std::optional<int64_t>& undecodable) {
  std::printf("%s: %zu rows (train %lld, validation %lld), root %s\n", df.csv_path.c_str(), df.rows.size(),
              static_cast<long long>(s.train), static_cast<long long>(s.validation), df.root.c_str());
  std::printf("  labels:            %zu distinct\n", s.labels.size());
  std::printf("  queries:           %lld\n", static_cast<long long>(s.queries));
  std::printf("  galleries:         %lld\n", static_cast<long long>(s.galleries));
  std::printf("  query and gallery: %lld\n", static_cast<long long>(s.both));
  if (df.has_category) std::printf("  categories:        %zu distinct\n", s.categories.size());
  if (df.has_sequence) std::printf("  sequences:         %zu distinct\n", s.sequences.size());
  if (df.has_bbox) std::printf("  bbox rows:         %lld\n", static_cast<long long>(s.bbox_rows));
  std::printf("  missing files:     %lld\n", static_cast<long long>(missing_files));
  if (undecodable) std::printf("  undecodable:       %lld\n", static_cast<long long>(*undecodable));
  if (!df.ignored_columns.empty()) {
    std::string names;
    for (const std::string& name : df.ignored_columns) names += (names.empty() ? "'" : ", '") + name + "'";
    std::printf("  ignored columns:   %s\n", names.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

void validate_dataset(const ValidateOptions& options, const ImageChecker& check_images) {
  const Dataframe df = read_dataframe(options.csv, options.root);
  for (const std::string& warning : df.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  const DatasetSummary summary = summarise(df);
  const auto missing = static_cast<int64_t>(rows_with_missing_image(df).size());
  std::vector<std::string> undecodable;
  if (options.check_images && missing == 0) undecodable = check_images(df, options.image_limits);
  print_summary(df, summary, missing,
                options.check_images && missing == 0
                    ? std::optional<int64_t>(static_cast<int64_t>(undecodable.size()))
                    : std::nullopt);
  // Missing files fail the check (rule 7), after the summary so the user sees the whole picture.
  require_image_files(df);
  if (!undecodable.empty()) {
    std::string text;
    for (size_t i = 0; i < undecodable.size() && i < 20; ++i) text += (i == 0 ? "" : "\n") + undecodable[i];
    if (undecodable.size() > 20) text += "\n\u2026 and " + std::to_string(undecodable.size() - 20) + " more";
    throw InputError(text);
  }
  std::printf("OK\n");
}

void add_validate_command(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  auto* command = app.add_subcommand("validate", "Check an OML-format dataset CSV and print a summary");
  command->add_option("--csv", options->csv, "OML-format CSV (label,path,split,is_query,is_gallery,...)")
      ->required();
  command->add_option("--root", options->root,
                      "Directory the CSV paths are relative to (default: the CSV's)");
  command->add_flag("--check-images", options->check_images,
                    "Also decode every image as extract/train will (slower)");
  add_max_image_pixels_option(command, options->image_limits);
  // Decoding needs OpenCV, which the light front does not load: it hands those runs to oml-full.
  command->callback([options] {
    if (options->check_images) return run_validate_checking_images(*options);
    validate_dataset(*options, nullptr);
  });
}

}  // namespace oml::cli
