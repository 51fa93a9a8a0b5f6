#!/usr/bin/env bash
# Called by prereqs.sh: a software Vulkan driver that Dawn (ONNX Runtime's WebGPU provider) accepts,
# so that the engine and model contract suites also run on `onnxruntime-webgpu` on a machine with no
# GPU. Debian 12's own lavapipe (Mesa 22.3) lacks a feature Dawn requires; bookworm-backports' Mesa
# (25.x) has it. The driver is unpacked into .vaecf/lavapipe (nothing of apt's configuration changes)
# and vitest.config.mts points VK_ICD_FILENAMES at it. Where this cannot be done (not root, not
# Debian, no network), the WebGPU suites are skipped and the reason printed: nothing else needs it.
set -uo pipefail
dir="$(cd "$(dirname "$0")/../.." && pwd)/.vaecf/lavapipe"
icd="$dir/icd.json"
[ -f "$icd" ] && exit 0
skip() { echo "pretest: WebGPU contract suites will be skipped: $1"; exit 0; }
[ "${VAECF_TEST_NO_INSTALL:-0}" = 1 ] && skip "VAECF_TEST_NO_INSTALL=1"
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || skip "installing a software Vulkan driver needs root and apt-get"
release="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
case "$release" in
  bookworm) suite=bookworm-backports ;;
  trixie | forky | sid) suite="$release" ;;
  *) skip "no recipe for a Mesa >= 24 lavapipe on '${release:-this system}'" ;;
esac
echo "pretest: fetching a software Vulkan driver (Mesa lavapipe from $suite) for the WebGPU contract suites"
export DEBIAN_FRONTEND=noninteractive
# The loader and lavapipe's libraries come from the system's own release.
apt-get install -y -qq libvulkan1 libllvm15 libx11-xcb1 libxcb-dri3-0 libxcb-present0 libxcb-randr0 \
  libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxshmfence1 libwayland-client0 libelf1 libdrm2 >/dev/null 2>&1 ||
  skip "apt-get could not install Vulkan's loader and lavapipe's libraries"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
  "$suite" >"$work/vaecf.sources"
mkdir -p "$work/lists/partial" "$work/debs"
apt_private=(-o Dir::Etc::sourcelist="$work/vaecf.sources" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$work/lists")
apt-get "${apt_private[@]}" update -qq >/dev/null 2>&1 || skip "could not read $suite's package lists"
(cd "$work/debs" && apt-get "${apt_private[@]}" download mesa-vulkan-drivers >/dev/null 2>&1) ||
  skip "could not download $suite's mesa-vulkan-drivers"
rm -rf "$dir" && mkdir -p "$dir/root"
dpkg -x "$work"/debs/mesa-vulkan-drivers_*.deb "$dir/root"
lib="$(find "$dir/root" -name libvulkan_lvp.so | head -1)"
[ -n "$lib" ] || skip "the package holds no libvulkan_lvp.so"
printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" >"$work/icd.json"
# Only a driver ONNX Runtime's WebGPU provider really runs on is kept: y = -x on a two-value vector.
probe='const ort = require("onnxruntime-node");
const model = Buffer.from("CAg6MgoLCgF4EgF5IgNOZWcSAXBaDwoBeBIKCggIARIECgIIAmIPCgF5EgoKCAgBEgQKAggCQgQKABAR", "base64");
ort.InferenceSession.create(model, { executionProviders: ["webgpu"], logSeverityLevel: 4 })
  .then((s) => s.run({ x: new ort.Tensor("float32", Float32Array.of(1, 2), [2]) }))
  .then((r) => process.exit(r.y.data[1] === -2 ? 0 : 1), () => process.exit(1));'
VK_ICD_FILENAMES="$work/icd.json" timeout 120 node -e "$probe" >/dev/null 2>&1 ||
  { rm -rf "$dir"; skip "ONNX Runtime's WebGPU provider did not run on $suite's lavapipe"; }
mv "$work/icd.json" "$icd"
echo "pretest: lavapipe ready ($icd)"
