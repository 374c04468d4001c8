#include <cstdio>
#include <memory>

#include "oml/cli/commands.h"
#include "oml/datasets/cjk_fonts_dataset.h"
#include "oml/datasets/dataset_output.h"
#include "oml/datasets/emoji_dataset.h"
#include "oml/datasets/fashion_mnist_dataset.h"

namespace oml::cli {

namespace {

void print_summary(const datasets::DatasetSummary& summary, const std::string& out_dir) {
  for (const std::string& note : summary.notes)
    std::fprintf(stderr, "%s: %s\n", summary.name.c_str(), note.c_str());
  std::printf("%s\n", datasets::describe(summary).c_str());
  std::printf("wrote %s/df.csv\n", out_dir.c_str());
}

void add_cjk_fonts(CLI::App& dataset) {
  auto options = std::make_shared<datasets::CjkFontsOptions>();
  auto* command = dataset.add_subcommand(
      "cjk-fonts", "Han characters rendered in many Debian CJK fonts: class = character, instance = font");
  command->add_option("--out", options->out_dir, "Output directory (images/, df.csv, fonts.csv)")->required();
  command->add_option("--classes", options->classes, "Number of characters, most frequent first")
      ->capture_default_str();
  command->add_option("--fonts", options->max_fonts, "Maximum number of fonts (0 = all installed)")
      ->capture_default_str();
  command->add_option("--min-fonts", options->min_fonts, "Keep characters drawn by at least this many fonts")
      ->capture_default_str();
  command->add_option("--size", options->size, "Image side in pixels")->capture_default_str();
  command
      ->add_option("--val-fraction", options->val_fraction, "Fraction of characters in the validation split")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed of the train/validation split")->capture_default_str();
  command->callback(
      [options] { print_summary(datasets::build_cjk_fonts_dataset(*options), options->out_dir); });
}

void add_emoji(CLI::App& dataset) {
  auto options = std::make_shared<datasets::EmojiOptions>();
  auto* command = dataset.add_subcommand(
      "emoji",
      "The same emoji drawn by several vendors (npm emoji-datasource-*, openmoji): class = emoji, "
      "instance = vendor");
  command->add_option("--out", options->out_dir, "Output directory (images/, df.csv, emoji.csv, vendors.csv)")
      ->required();
  command->add_option("--classes", options->classes, "Number of emoji, spread over all categories (0 = all)")
      ->capture_default_str();
  command
      ->add_option("--vendors", options->vendors,
                   "Comma-separated vendors: google, twitter, openmoji (clean licences), apple, facebook")
      ->capture_default_str();
  command
      ->add_option("--min-vendors", options->min_vendors,
                   "Keep emoji drawn by at least this many of the vendors")
      ->capture_default_str();
  command->add_option("--size", options->size, "Image side in pixels")->capture_default_str();
  command->add_flag("--skin-tones", options->skin_tones,
                    "Also the skin tone variations (near-duplicate classes)");
  command->add_option("--val-fraction", options->val_fraction, "Fraction of emoji in the validation split")
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed of the train/validation split")->capture_default_str();
  command->add_option(
      "--cache-dir", options->cache_dir,
      "Where the npm packages are kept (default $XDG_CACHE_HOME/oml.cpp or ~/.cache/oml.cpp)");
  add_max_image_pixels_option(command, options->image_limits);
  command->callback([options] { print_summary(datasets::build_emoji_dataset(*options), options->out_dir); });
}

void add_fashion_mnist(CLI::App& dataset) {
  auto options = std::make_shared<datasets::FashionMnistOptions>();
  auto* command = dataset.add_subcommand(
      "fashion-mnist",
      "Fashion-MNIST (Debian dataset-fashion-mnist) as PNG files: train set = train, test set = validation");
  command->add_option("--out", options->out_dir, "Output directory (train/, test/, df.csv)")->required();
  command
      ->add_option("--limit-per-class", options->limit_per_class,
                   "Keep the first N images of each class in each split (0 = all)")
      ->capture_default_str();
  command->add_option("--source", options->source_dir, "Directory with the IDX files (.gz or plain)")
      ->capture_default_str();
  command->callback(
      [options] { print_summary(datasets::build_fashion_mnist_dataset(*options), options->out_dir); });
}

}  // namespace

void add_dataset_command(CLI::App& app) {
  auto* dataset = app.add_subcommand("dataset", "Build a real dataset in OML format (images + df.csv)");
  dataset->require_subcommand(1);
  add_cjk_fonts(*dataset);
  add_emoji(*dataset);
  add_fashion_mnist(*dataset);
}

}  // namespace oml::cli
