// `oml validate --check-images` (oml-full only): decoding every image needs OpenCV.
#include "oml/cli/light/validate_command.h"
#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/data/image_io.h"

namespace oml::cli {
namespace {

// Decodes every existing image as the engine will (spec §2.1); returns the failures' messages.
std::vector<std::string> find_undecodable_images(const Dataframe& df, const ImageLimits& limits) {
  std::vector<std::string> failures;
  ProgressBar progress("checking images", static_cast<int64_t>(df.rows.size()), "images");
  for (const DataframeRow& row : df.rows) {
    try {
      read_image_rgb(row.image_path, limits);
    } catch (const InputError& e) {
      failures.push_back(df.where(row.row) + ": column 'path': " + e.what());
    }
    progress.advance();
  }
  progress.finish();
  return failures;
}

}  // namespace

void run_validate_checking_images(const ValidateOptions& options) {
  validate_dataset(options, find_undecodable_images);
}

}  // namespace oml::cli
