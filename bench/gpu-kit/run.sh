#!/usr/bin/env bash
# The GPU checks, on the GPU machine (see build.sh): the engine and model contract suites on
# onnxruntime-webgpu and ORT's CPU at 16 threads, bench:train's ML-20M-sized epoch on WebGPU, 20k
# items on every engine, the ML-20M-sized run on 16 CPU threads, and WebGPU with its weights on the
# host (BENCH_RESIDENT=0). Results and logs go to $OUT. SMALL=1 shrinks every size (a rehearsal).
set -u
kit="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$PWD/gpu-kit-results}" && mkdir -p "$OUT"
small="${SMALL:-0}"
for f in "$kit"/debs/*.deb; do [ -e "$f" ] && ! ldconfig -p | grep -q libvulkan.so.1 && dpkg -x "$f" / && ldconfig; done
w="$(mktemp -d)" && cd "$w"
xz -dc "$kit/node.xz" >node && chmod +x node
mkdir -p node_modules && tar -xJf "$kit/ort.tar.xz" -C node_modules
cp "$kit"/out/*.js .
export NODE_PATH="$w/node_modules"
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && [ -z "${VK_ICD_FILENAMES:-}" ] && export VK_DRIVER_FILES="$icd"
{ date; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc; } >"$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
step() {
  local name=$1 limit=$2 start=$SECONDS
  shift 2
  echo "== $name"
  timeout "$limit" "$@" >"$OUT/$name.txt" 2>&1
  echo "rc=$? wall=$((SECONDS - start))s" >>"$OUT/$name.txt"
  grep -v '^Warning\|XDG' "$OUT/$name.txt" | tail -"${TAILN:-12}"
  cp results/*.json "$OUT/" 2>/dev/null
}
if [ "$small" = 0 ]; then U=116677 I=20108 B=234 C=onnxruntime:16; else U=3000 I=2000 B=6 C=onnxruntime:2; fi
VAECF_TEST_ENGINES=onnxruntime-webgpu,$C step contract 110 ./node --test-reporter=spec contract.js
TAILN=8 step paper-webgpu 190 ./node train.js --engines onnxruntime-webgpu --users $U --items $I --batches $B --models vae,dae --out paper-webgpu.json
step train-20k 150 ./node train.js --engines onnxruntime-webgpu,onnxruntime:1,$C --rounds 1 --items $I --users $((U / 23)) --out train-20k.json
TAILN=8 step paper-cpu 90 ./node train.js --engines $C --users $U --items $I --batches 60 --models vae,dae --out paper-cpu.json
BENCH_RESIDENT=0 TAILN=4 step host-webgpu 50 ./node train.js --engines onnxruntime-webgpu --rounds 1 --items $I --users $((U / 23)) --models vae --epochs 1 --out host-webgpu.json
grep -h '^ℹ \(tests\|pass\|fail\)' "$OUT/contract.txt"
