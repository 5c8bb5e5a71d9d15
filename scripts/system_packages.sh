#!/usr/bin/env bash
# Check (and, as root or with sudo, install) the Debian packages the project needs.
# Without root or sudo it prints the exact apt line and exits 1.
set -euo pipefail
PACKAGES=(
  python3-venv python3-dev g++ make
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox libsox-fmt-all wamerican
  libsndfile1 libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins
  xvfb xauth libgl1 libegl1 libgl1-mesa-dri
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive $line
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  echo "installing Debian packages with sudo: ${missing[*]}"
  sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive $line
else
  echo "These Debian packages are missing. Run as root (or with sudo), then rerun make:"
  echo "  sudo apt-get update && sudo $line"
  exit 1
fi
