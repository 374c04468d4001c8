#pragma once
// `oml validate` in two halves: the CLI definition and the check without decoding need neither
// libtorch nor OpenCV (light/cmd_validate.cpp); --check-images decodes every image with OpenCV
// (run_validate_checking_images: validate_full.cpp in oml-full, an exec of oml-full in the front).
#include <functional>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/data/image_limits.h"

namespace oml::cli {

struct ValidateOptions {
  std::string csv;
  std::string root;
  bool check_images = false;
  ImageLimits image_limits = {};
};

// Decodes every existing image of `df`; returns the failures' messages.
using ImageChecker = std::function<std::vector<std::string>(const Dataframe& df, const ImageLimits& limits)>;

// The whole check and summary; `check_images` is called when options.check_images is set.
void validate_dataset(const ValidateOptions& options, const ImageChecker& check_images);

// validate_dataset with the decoder of the engine (spec §2.1).
void run_validate_checking_images(const ValidateOptions& options);

}  // namespace oml::cli
