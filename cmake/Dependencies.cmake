# Every dependency comes from Debian packages installed by scripts/install-deps.sh.
find_package(Threads REQUIRED)
find_package(Torch REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(Freetype REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(GTest REQUIRED)

# Torch's own CMake config adds its include dirs as non-system; re-export them as SYSTEM so
# -Werror applies only to our code.
add_library(oml_torch INTERFACE)
target_include_directories(oml_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
target_link_libraries(oml_torch INTERFACE ${TORCH_LIBRARIES})
target_compile_options(oml_torch INTERFACE -Wno-unused-parameter)
add_library(oml::torch ALIAS oml_torch)

# Debian's OpenCV image-only dev packages ship no CMake config: import the libraries by hand.
add_library(oml_opencv INTERFACE)
target_include_directories(oml_opencv SYSTEM INTERFACE /usr/include/opencv4)
target_link_libraries(oml_opencv INTERFACE opencv_imgcodecs opencv_imgproc opencv_core)
add_library(oml::opencv ALIAS oml_opencv)

# libcsv (RFC 4180 tokenizer), plain C library.
find_library(CSV_LIBRARY csv REQUIRED)
add_library(csv INTERFACE)
target_link_libraries(csv INTERFACE ${CSV_LIBRARY})

# oneDNN (libdnnl-dev; libtorch already links libdnnl): its sgemm runs the ViT's inference
# linear layers (src/oml/models/inference_linear.h).
find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h REQUIRED)
find_library(DNNL_LIBRARY dnnl REQUIRED)
add_library(oml_dnnl INTERFACE)
target_include_directories(oml_dnnl SYSTEM INTERFACE ${DNNL_INCLUDE_DIR})
target_link_libraries(oml_dnnl INTERFACE ${DNNL_LIBRARY})
add_library(oml::dnnl ALIAS oml_dnnl)

# cpp-httplib (libcpp-httplib-dev): Debian builds it as a shared library; its pkg-config file carries
# the feature defines (OpenSSL, zlib, brotli) that the header's class layouts depend on.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
