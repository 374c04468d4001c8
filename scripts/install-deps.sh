#!/usr/bin/env bash
# Installs every Debian package the build, tests, demo and benchmarks need.
# Idempotent: packages already installed are skipped; prints what it does.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  # make fuzz: clang with libFuzzer and the sanitizer runtimes, LLVM OpenMP for clang builds
  clang libclang-rt-14-dev libomp-14-dev
  libtorch-dev libopenblas0-openmp liblapack-dev libdnnl-dev
  libopencv-core-dev libopencv-imgcodecs-dev libopencv-imgproc-dev libjpeg62-turbo-dev
  libcsv-dev libhnswlib-dev libgloo-dev
  # oml serve: cpp-httplib (HTTP server; no hand-written HTTP)
  libcpp-httplib-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libfreetype-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3-torch python3-torchvision python3-pil python3-numpy python3-faiss
  chromium
  # oml dataset: fashion-mnist, and the CJK fonts of cjk-fonts (src/oml/datasets/cjk_font_catalogue.cpp)
  dataset-fashion-mnist librsvg2-bin
  fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei fonts-wqy-microhei
  fonts-ipafont-gothic fonts-ipafont-mincho fonts-cwtex-kai fonts-cwtex-ming fonts-vlgothic fonts-misaki
  fonts-horai-umefont fonts-sawarabi-gothic fonts-sawarabi-mincho fonts-motoya-l-cedar
  fonts-motoya-l-maruberi fonts-kouzan-mouhitsu fonts-aoyagi-soseki fonts-aoyagi-kouzan-t fonts-hanazono
  fonts-seto fonts-smiley-sans fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho fonts-dejima-mincho
  fonts-kiloji fonts-konatu fonts-oradano-mincho-gsrr fonts-yusei-magic fonts-reggae fonts-train
  fonts-dotgothic16 fonts-lxgw-wenkai fonts-arphic-gkai00mp fonts-arphic-bsmi00lp fonts-droid-fallback
  fonts-umeplus fonts-baekmuk
)

missing=()
for pkg in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    continue
  fi
  missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
