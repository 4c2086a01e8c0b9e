#!/usr/bin/env bash
# Installs the Debian packages SCI Events needs, only those missing:
# Python's venv, gettext (compilemessages builds the translation catalogues), WeasyPrint's libraries (pango, harfbuzz subsetting: without
# libharfbuzz-subset0 a badge takes about 5x longer), fonts that cover the
# world's scripts, symbols and mathematics (Noto) and colour emoji (Noto Color
# Emoji: names with emoji print on badges and tickets), poppler-utils
# (pdftoppm), and with --browser Debian's Chromium for the browser tests.
set -euo pipefail

packages=(python3-venv gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
  fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji poppler-utils)
if [[ "${1:-}" == "--browser" ]]; then
  packages+=(chromium)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
