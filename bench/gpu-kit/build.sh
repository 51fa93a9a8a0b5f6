#!/usr/bin/env bash
# Builds .vaecf/gpu-kit: everything the GPU checks need on a machine with a GPU and neither npm nor a
# network (issue 17's WebGPU figures): this Node binary (xz), onnxruntime-node's Linux x64 files, one
# bundle of the engine and model contract suites (run by node:test through vitest-shim.js), bundles of
# bench:train, Vulkan's loader as .debs where apt-get can fetch them, and run.sh. About 50 MB.
# On the GPU machine, from the directory holding .vaecf/: bash .vaecf/gpu-kit/run.sh (OUT=dir for results).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
kit="$root/.vaecf/gpu-kit"
cd "$root"
npm run build --silent
rm -rf "$kit" && mkdir -p "$kit/out" "$kit/debs"
xz -T0 -6 -c "$(command -v node)" >"$kit/node.xz"
tar -C node_modules -cJf "$kit/ort.tar.xz" onnxruntime-node/package.json onnxruntime-node/dist \
  onnxruntime-node/bin/napi-v6/linux/x64 onnxruntime-common
bundle() { npx esbuild "$@" --bundle --platform=node --target=node20 --ignore-annotations --log-level=error \
  --external:onnxruntime-node --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu; }
bundle bench/gpu-kit/contract-entry.ts --outfile="$kit/out/contract.js" --alias:vitest=./bench/gpu-kit/vitest-shim.js
for f in train train-child; do bundle "bench/$f.js" --outfile="$kit/out/$f.js"; done
if command -v apt-get >/dev/null; then
  (cd "$kit/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "gpu-kit: no Vulkan loader .deb (the GPU machine must have libvulkan.so.1)"
fi
cp bench/gpu-kit/run.sh "$kit/"
du -sh "$kit"
