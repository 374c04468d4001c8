#pragma once
#include <array>
#include <optional>
#include <string>

#include "oml/data/dataframe.h"  // BoundingBox
#include "oml/data/image.h"
#include "oml/data/image_limits.h"
#include "oml/data/resample.h"

namespace oml {

// The transform recipes of spec §2.5 that oml.cpp reproduces exactly.
enum class TransformKind {
  kSquash,  // OML get_normalisation_resize_torch(S): S x S bilinear (aspect not kept), normalise
  kHypViT,  // Resize(S, bicubic) on the shorter side, CenterCrop(C), normalise
  kAlbu,    // *to verify*: cv2 reader, LongestMaxSize(S) INTER_LINEAR, white PadIfNeeded, albu Normalize
};

struct TransformSpec {
  TransformKind kind = TransformKind::kSquash;
  int size = 224;       // S
  int crop_size = 224;  // C (hypvit only)

  static TransformSpec squash(int size) { return {TransformKind::kSquash, size, size}; }
  static TransformSpec hypvit(int size, int crop_size) { return {TransformKind::kHypViT, size, crop_size}; }
  static TransformSpec albu(int size) { return {TransformKind::kAlbu, size, size}; }

  // Height and width of the tensors apply_transform produces.
  int output_height() const { return kind == TransformKind::kHypViT ? crop_size : size; }
  int output_width() const { return output_height(); }
  // "squash(224)" / "hypvit(256,224)", for logs and error messages.
  std::string describe() const;
  bool operator==(const TransformSpec& other) const {
    return kind == other.kind && size == other.size && crop_size == other.crop_size;
  }
};

// ImageNet statistics as OML passes them (doubles; Normalize rounds them to float32).
constexpr std::array<double, 3> kImageNetMean = {0.485, 0.456, 0.406};
constexpr std::array<double, 3> kImageNetStd = {0.229, 0.224, 0.225};

// PIL Image.crop(box): output exactly (x2-x1) x (y2-y1), area outside the image black (spec §2.2).
// Throws InputError for an empty or inverted box, and for a box above the pixel limit (Pillow's
// crop applies its decompression-bomb check to the box).
ImageRGB8 crop_pil(const ImageRGB8& image, const BoundingBox& box, const ImageLimits& limits = {});

// torchvision Resize(size) with an int: the shorter side becomes `size`, the longer one
// trunc(size * long / short); returned unchanged when already that size.
ImageRGB8 resize_shorter_side(const ImageRGB8& image, int size, ResampleFilter filter);

// torchvision CenterCrop: zero-pads a side shorter than the crop (floor(d/2) before, the rest
// after), then crops at round-half-even((H - crop_h) / 2), likewise for the width.
ImageRGB8 center_crop(const ImageRGB8& image, int crop_height, int crop_width);

// ToTensor (v / 255.0f, a true division) then Normalize ((x - float(mean)) / float(std)), CHW.
ImageTensorCHW to_normalized_tensor(const ImageRGB8& image, const std::array<double, 3>& mean = kImageNetMean,
                                    const std::array<double, 3>& std = kImageNetStd);

// albumentations LongestMaxSize(size) with cv2 INTER_LINEAR (new side round-half-even(dim * scale))
// then PadIfNeeded(size, size) with white, floor(d/2) before. *To verify* against albumentations.
ImageRGB8 albu_resize_and_pad(const ImageRGB8& image, int size);

// albumentations Normalize then ToTensorV2: (v - float(mean) * 255) * (1 / (float(std) * 255)) in
// float32 (a reciprocal, unlike torchvision), CHW.
ImageTensorCHW to_albu_normalized_tensor(const ImageRGB8& image,
                                         const std::array<double, 3>& mean = kImageNetMean,
                                         const std::array<double, 3>& std = kImageNetStd);

// The whole recipe on a decoded image (decoded with read_image_rgb_cv2 for kAlbu).
ImageTensorCHW apply_transform(const ImageRGB8& image, const TransformSpec& spec);

// Decode (read_image_rgb; read_image_rgb_cv2 for kAlbu), crop to `box` if given (crop then resize),
// transform. `limits` guards the decode and the crop.
ImageTensorCHW load_transformed(const std::string& path, const std::optional<BoundingBox>& box,
                                const TransformSpec& spec, const ImageLimits& limits = {});

}  // namespace oml
