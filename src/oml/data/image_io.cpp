#include "oml/data/image_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <optional>

#include "oml/common/errors.h"
#include "oml/common/file_bytes.h"
#include "oml/data/image_header.h"

// jpeglib.h needs <cstdio> first and is a C header.
extern "C" {
#include <jerror.h>
#include <jpeglib.h>
}

namespace oml {
namespace {

bool starts_with(const std::vector<uint8_t>& bytes, const char* magic, size_t length) {
  return bytes.size() >= length && std::memcmp(bytes.data(), magic, length) == 0;
}

bool is_jpeg(const std::vector<uint8_t>& bytes) { return starts_with(bytes, "\xFF\xD8\xFF", 3); }
bool is_png(const std::vector<uint8_t>& bytes) { return starts_with(bytes, "\x89PNG\r\n\x1A\n", 8); }
bool is_gif(const std::vector<uint8_t>& bytes) {
  return starts_with(bytes, "GIF87a", 6) || starts_with(bytes, "GIF89a", 6);
}

// ---------------------------------------------------------------------------------------------
// JPEG through libjpeg: OpenCV converts CMYK itself with a formula that differs from PIL's, and
// silently returns a grey-filled image for a truncated file, which PIL refuses.

struct JpegErrorState {
  jpeg_error_mgr manager;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* state = reinterpret_cast<JpegErrorState*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, state->message);
  std::longjmp(state->jump, 1);
}

// PIL refuses any JPEG whose data ends early (even one missing only its EOI marker); libjpeg only
// warns and pads. Other warnings (corrupt entropy data) keep going, as in PIL.
void jpeg_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* state = reinterpret_cast<JpegErrorState*>(cinfo->err);
    state->truncated = true;
    std::snprintf(state->message, sizeof(state->message), "truncated JPEG data");
    std::longjmp(state->jump, 1);
  }
}

struct JpegRaw {
  bool over_limit = false;  // refused after the header: width and height are set, samples empty
  int width = 0;
  int height = 0;
  int components = 0;  // 1 gray, 3 RGB, 4 CMYK (as stored: Adobe-inverted)
  std::vector<uint8_t> samples;
};

// Returns false with `error` filled on failure. Only trivially destructible locals live between
// setjmp and a possible longjmp, so the jump skips no destructor.
// Images above twice `max_pixels` (when > 0) stop after the header with out->over_limit set.
bool decode_jpeg_samples(const std::vector<uint8_t>& bytes, int64_t max_pixels, JpegRaw* out,
                         std::string* error) {
  jpeg_decompress_struct cinfo;
  JpegErrorState state;
  state.truncated = false;
  state.message[0] = '\0';
  cinfo.err = jpeg_std_error(&state.manager);
  state.manager.error_exit = jpeg_fail;
  state.manager.emit_message = jpeg_message;
  if (setjmp(state.jump)) {
    jpeg_destroy_decompress(&cinfo);
    *error = state.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  // The pixel limit is judged on the header's size, before libjpeg allocates anything for pixels.
  const uint64_t header_pixels = static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height;
  if (max_pixels > 0 && header_pixels > 2 * static_cast<uint64_t>(max_pixels)) {
    out->over_limit = true;
    out->width = static_cast<int>(cinfo.image_width);
    out->height = static_cast<int>(cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return true;
  }
  // PIL's modes by component count: L, RGB, CMYK; libjpeg's defaults (ISLOW IDCT, fancy
  // upsampling) are what PIL uses too.
  switch (cinfo.num_components) {
    case 1:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case 3:
      cinfo.out_color_space = JCS_RGB;
      break;
    case 4:
      cinfo.out_color_space = JCS_CMYK;
      break;
    default:
      std::snprintf(state.message, sizeof(state.message), "cannot handle %d-layer JPEG images",
                    cinfo.num_components);
      std::longjmp(state.jump, 1);
  }
  jpeg_start_decompress(&cinfo);
  out->width = static_cast<int>(cinfo.output_width);
  out->height = static_cast<int>(cinfo.output_height);
  out->components = cinfo.output_components;
  const size_t stride = static_cast<size_t>(out->width) * out->components;
  out->samples.resize(stride * out->height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->samples.data() + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);  // reads up to EOI: a missing EOI is truncation too
  jpeg_destroy_decompress(&cinfo);
  return true;
}

// PIL's CMYK -> RGB: the stored samples are Adobe-inverted ("CMYK;I"), then per channel
// R = nk - round(C * nk / 255) computed as nk - ((t + (t >> 8)) >> 8), t = C * nk + 128.
uint8_t pil_cmyk_channel(uint8_t stored_ink, uint8_t stored_black) {
  const int ink = 255 - stored_ink;
  const int not_black = stored_black;  // 255 - K where K = 255 - stored
  const int t = ink * not_black + 128;
  return static_cast<uint8_t>(not_black - ((t + (t >> 8)) >> 8));
}

// OpenCV's CMYK -> BGR on the stored (inverted) samples: truncating >> 8, not PIL's rounding.
uint8_t opencv_cmyk_channel(uint8_t stored_ink, uint8_t stored_black) {
  return static_cast<uint8_t>(stored_black - (((255 - stored_ink) * stored_black) >> 8));
}

enum class CmykRule { kPil, kOpenCv };

ImageRGB8 decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name, CmykRule cmyk_rule,
                      const ImageLimits& limits) {
  JpegRaw raw;
  std::string error;
  if (!decode_jpeg_samples(bytes, limits.max_pixels, &raw, &error)) {
    throw InputError(fmt::format("{}: cannot decode JPEG image: {}", name, error));
  }
  // Throws for an image stopped at its header; warns for one between 1x and 2x the limit.
  check_image_pixels(raw.width, raw.height, limits, name);
  ImageRGB8 image;
  image.width = raw.width;
  image.height = raw.height;
  const size_t count = static_cast<size_t>(raw.width) * raw.height;
  image.pixels.resize(count * 3);
  uint8_t* dst = image.pixels.data();
  const uint8_t* src = raw.samples.data();
  if (raw.components == 3) {
    image.pixels = std::move(raw.samples);
  } else if (raw.components == 1) {
    for (size_t i = 0; i < count; ++i) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
  } else {
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* cmyk = src + 4 * i;
      for (int c = 0; c < 3; ++c) {
        dst[3 * i + c] = cmyk_rule == CmykRule::kPil ? pil_cmyk_channel(cmyk[c], cmyk[3])
                                                     : opencv_cmyk_channel(cmyk[c], cmyk[3]);
      }
    }
  }
  return image;
}

// ---------------------------------------------------------------------------------------------
// Everything else through OpenCV (IMREAD_UNCHANGED: no EXIF rotation, alpha and 16 bits kept so
// that PIL's rules can be applied here).

// PNG colour type 0 (gray) at 16 bits is PIL mode "I": convert("RGB") clips it. OpenCV may hand it
// back with an alpha channel (tRNS), so the rule is chosen from the header, not the channel count.
bool is_png_16bit_gray(const std::vector<uint8_t>& bytes) {
  return is_png(bytes) && bytes.size() > 25 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0 &&
         bytes[24] == 16 && bytes[25] == 0;
}

ImageRGB8 from_opencv(const cv::Mat& mat, bool clip_16bit_gray, const std::string& name) {
  const int channels = mat.channels();
  if (channels != 1 && channels != 3 && channels != 4) {
    throw InputError(fmt::format("{}: unsupported image with {} channels", name, channels));
  }
  if (mat.depth() != CV_8U && mat.depth() != CV_16U) {
    throw InputError(fmt::format("{}: unsupported image sample type (only 8- and 16-bit integers)", name));
  }
  ImageRGB8 image;
  image.width = mat.cols;
  image.height = mat.rows;
  image.pixels.resize(static_cast<size_t>(mat.cols) * mat.rows * 3);
  const bool wide = mat.depth() == CV_16U;
  // 16-bit gray (mode I) clips at 255; 16-bit colour and gray+alpha keep the high byte.
  const bool clip = wide && (channels == 1 || clip_16bit_gray);
  for (int y = 0; y < mat.rows; ++y) {
    uint8_t* dst = image.at(y, 0);
    for (int x = 0; x < mat.cols; ++x, dst += 3) {
      int bgr[3];
      for (int c = 0; c < 3; ++c) {
        const int source_channel = channels == 1 ? 0 : c;
        int v = wide ? mat.ptr<uint16_t>(y)[x * channels + source_channel]
                     : mat.ptr<uint8_t>(y)[x * channels + source_channel];
        if (wide) v = clip ? std::min(v, 255) : (v >> 8);
        bgr[c] = v;
      }
      dst[0] = static_cast<uint8_t>(bgr[2]);
      dst[1] = static_cast<uint8_t>(bgr[1]);
      dst[2] = static_cast<uint8_t>(bgr[0]);
    }
  }
  return image;
}

cv::Mat imdecode_unchanged(const std::vector<uint8_t>& bytes, const std::string& name) {
  cv::Mat mat;
  try {
    mat =
        cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data())),
                     cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw InputError(fmt::format("{}: cannot decode image: {}", name, e.what()));
  }
  if (mat.empty()) {
    throw InputError(
        fmt::format("{}: not a decodable image (corrupt, truncated or unsupported format)", name));
  }
  return mat;
}

void reject_gif(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (is_gif(bytes)) {
    throw InputError(
        fmt::format("{}: GIF images are not supported (OpenCV has no GIF decoder); convert to PNG", name));
  }
}

// Decodes a non-JPEG image after the pixel limit has judged its header's size. Formats whose header
// read_image_dimensions does not know (and a decoded size that differs from the header's) are
// judged on the decoded size: OpenCV's own cap (2^30 pixels) bounds that allocation.
cv::Mat imdecode_limited(const std::vector<uint8_t>& bytes, const std::string& name,
                         const ImageLimits& limits) {
  const std::optional<ImageDimensions> header = read_image_dimensions(bytes.data(), bytes.size());
  if (header) check_image_pixels(header->width, header->height, limits, name);
  cv::Mat mat = imdecode_unchanged(bytes, name);
  if (!header || header->width != mat.cols || header->height != mat.rows) {
    check_image_pixels(mat.cols, mat.rows, limits, name);
  }
  return mat;
}

std::vector<uint8_t> read_image_bytes(const std::string& path) {
  BinaryFile file(path, "image file");
  std::vector<uint8_t> bytes(static_cast<size_t>(file.size()));
  file.read_exactly(bytes.data(), bytes.size());
  return bytes;
}

}  // namespace

ImageRGB8 decode_image_rgb(const std::vector<uint8_t>& bytes, const std::string& name,
                           const ImageLimits& limits) {
  if (bytes.empty()) throw InputError(fmt::format("{}: image file is empty", name));
  if (is_jpeg(bytes)) return decode_jpeg(bytes, name, CmykRule::kPil, limits);
  reject_gif(bytes, name);
  return from_opencv(imdecode_limited(bytes, name, limits), is_png_16bit_gray(bytes), name);
}

ImageRGB8 read_image_rgb(const std::string& path, const ImageLimits& limits) {
  return decode_image_rgb(read_image_bytes(path), path, limits);
}

ImageRGB8 decode_image_rgb_cv2(const std::vector<uint8_t>& bytes, const std::string& name,
                               const ImageLimits& limits) {
  if (bytes.empty()) throw InputError(fmt::format("{}: image file is empty", name));
  // libjpeg gives OpenCV's bytes here too, and unlike OpenCV it reports truncation.
  if (is_jpeg(bytes)) return decode_jpeg(bytes, name, CmykRule::kOpenCv, limits);
  reject_gif(bytes, name);
  const cv::Mat mat = imdecode_limited(bytes, name, limits);
  if (mat.depth() != CV_8U) {
    throw InputError(fmt::format("{}: 16-bit images are not supported by the albu (cv2) recipes", name));
  }
  return from_opencv(mat, false, name);
}

ImageRGB8 read_image_rgb_cv2(const std::string& path, const ImageLimits& limits) {
  return decode_image_rgb_cv2(read_image_bytes(path), path, limits);
}

}  // namespace oml
