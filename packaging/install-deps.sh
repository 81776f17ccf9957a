#!/usr/bin/env bash
# Installs the Debian 12 packages Workbench needs to build, test and run.
# Idempotent: installs only what is missing; runs `apt-get update` only when needed.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # core
  libtorch-dev libopenblas0 libsqlite3-dev libyaml-cpp-dev libcurl4-openssl-dev
  libboost-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libssl-dev
  libturbojpeg0-dev libspng-dev zlib1g-dev
  # registry: bundles are zip files (libzip); ONNX export through libonnx, checked by
  # OpenCV's dnn runtime and Python's onnx checker; TorchScript import tests script a model
  # with Debian's PyTorch
  libzip-dev unzip libonnx-dev libprotobuf-dev libopencv-dnn-dev python3-onnx python3-torch
  # ui
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev libgl-dev libqcustomplot-dev
  qt6-svg-dev libqt6svg6 qt6-qpa-plugins fonts-dejavu-core
  # headless GUI for screenshots and the launch command without a display
  xvfb xauth
  # the test suite runs under a comma-decimal locale (de_DE.UTF-8)
  locales
)
# Benchmarks compare against Python peers (PyTorch's DataLoader, training loops):
# `bash packaging/install-deps.sh --bench` adds them. Run them with /usr/bin/python3.
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3 python3-torch python3-torchvision python3-pil python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# The suite runs under LC_ALL=de_DE.UTF-8 to prove numbers never go through the C locale.
ensure_test_locale() {
  if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
    $sudo sed -i 's/^# *\(de_DE\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
    $sudo locale-gen >/dev/null
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  ensure_test_locale
  exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when they are missing or stale (or a first attempt fails).
lists_age_s=$(( $(date +%s) - $(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0) ))
if [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -E '^(lock|partial|auxfiles)$')" ] || [ "$lists_age_s" -gt 86400 ]; then
  $sudo apt-get update -q
fi
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
ensure_test_locale
