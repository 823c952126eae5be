#!/usr/bin/env bash
# What a GPU machine can do for this workbench, in a few minutes and with no network (install
# everything first: `npm ci`, and a Vulkan, Metal or D3D12 driver): the WebGPU adapter, the
# WebGPU test subset (golden KD values, gradients, a short training of every model and method
# against the CPU), and seconds per batch of BPR 200, DE 200 → 20 and HyperKDMA+DE (m = 8) on
# CiteULike. One summary line per figure at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${HKD_GPU_CHECK_DATA:-datasets/citeulike/users.dat}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

[ -f out/main/bench.js ] || npx electron-vite build >/dev/null
adapter=$(node bin/hkd.cjs doctor 2>/dev/null | grep -E '^ *(yes|no) +webgpu' || true)
echo "adapter: ${adapter:-unknown}"
case "$adapter" in
  *"yes  webgpu"*) ;;
  *) echo "no WebGPU adapter here: nothing to check" >&2; exit 1 ;;
esac

start=$(date +%s)
npx vitest run tests/integration/webgpu.test.ts --reporter=dot >"$out/tests.log" 2>&1 &&
  tests="passed" || tests="FAILED (see below)"
tests_s=$(($(date +%s) - start))

bench() { node out/main/bench.js --data "$data" --backend webgpu --json "$@" 2>>"$out/bench.log"; }
bench --steps --model BPR --dims 200 --batches 3 >"$out/bpr.json"
bench --kd --methods DE --batches 2 >"$out/de.json"
# A software adapter takes minutes per HyperKDMA batch: time the first, compilation included.
case "$adapter" in *"software GPU"*) warmup=0 ;; *) warmup=1 ;; esac
bench --kd --methods HyperKDMA-DE --num-tas 8 --batches 1 --warmup "$warmup" >"$out/hkd.json"

node - "$out" "$tests" "$tests_s" "$adapter" <<'JS'
const [dir, tests, seconds, adapter] = process.argv.slice(2);
const rows = (f) => JSON.parse(require('node:fs').readFileSync(`${dir}/${f}.json`, 'utf8')).rows;
const soft = /software GPU/.test(adapter);
const note = soft ? ' — a software adapter (CPU emulation): slow, not a GPU figure' : '';
const line = (name, r) =>
  `${name}: ${r.secondsPerBatch.toFixed(3)} s/batch, ≈ ${r.secondsPerEpochExtrapolated.toFixed(0)} s/epoch (${r.batchesPerEpoch} batches) on ${r.device}${note}`;
console.log(`webgpu tests: ${tests} in ${seconds} s`);
console.log(line('BPR 200', rows('bpr')[0]));
console.log(line('DE 200 → 20', rows('de')[0]));
console.log(
  line('HyperKDMA+DE m = 8', rows('hkd')[0]) + (soft ? ' (its first batch, compilation included)' : ''),
);
JS
if [ "$tests" != "passed" ]; then cat "$out/tests.log"; exit 1; fi
