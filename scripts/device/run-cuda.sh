#!/usr/bin/env bash
# Runs on the CUDA device machine (from the repository root, with .device carried; see docs/cuda.md): in ONE run,
#  1. the behavioural suite on host and CUDA plus the CUDA backend tests (JUnit console),
#  2. the trace replay on CUDA,
#  3. the JMH comparison (host cached pair, CUDA cached pair, raw cuMemAlloc+cuMemFree, side by side in one JVM run),
#     written as JSON to $OUT/cuda-bench.json, and printed as the Markdown table of docs/benchmarks.md with its ratios
#     (io.heapscope.bench.JmhTable: the same tool makes the docs' table from the same file, so they cannot drift).
# Outputs go to $OUT (or out/ when OUT is unset). JMH_ARGS overrides the JMH run length.
set -uo pipefail
OUT=${OUT:-out}; mkdir -p "$OUT"
J=.device/jre/bin/java
BENCH=.device/lib/heapscope-bench.jar
{ date -u '+%Y-%m-%dT%H:%M:%SZ'; nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; \
  nproc; uptime; } | tee "$OUT/device.txt"
CP=$(ls .device/lib/*.jar | grep -v console-standalone | grep -v heapscope-bench | tr '\n' ':').device/native-test-classes
$J --enable-native-access=ALL-UNNAMED -jar .device/lib/junit-platform-console-standalone-*.jar execute \
   -cp "$CP" --select-package io.heapscope.allocator --select-package io.heapscope.backend.cuda \
   --details=tree --disable-banner > "$OUT/tests-cuda.txt" 2>&1
TESTS_RC=$?
echo "tests exit $TESTS_RC" | tee -a "$OUT/tests-cuda.txt"; tail -25 "$OUT/tests-cuda.txt"
$J --enable-native-access=ALL-UNNAMED -Dheapscope.backend=cuda -cp $BENCH \
   io.heapscope.bench.replay.ReplayMain .device/traces > "$OUT/replay-cuda.json" 2> "$OUT/replay-cuda.err"
echo "replay exit $?"; grep -E '"trace"|backend|seconds"|peak_reserved|heaps_created|unmatched' "$OUT/replay-cuda.json"; tail -5 "$OUT/replay-cuda.err"
JMH_ARGS=${JMH_ARGS:--f 2 -wi 3 -i 8 -w 1s -r 1s}
# shellcheck disable=SC2086
$J -jar $BENCH CudaBenchmark -jvm "$PWD/$J" $JMH_ARGS -rf json -rff "$OUT/cuda-bench.json" > "$OUT/cuda-bench.txt" 2>&1
echo "jmh exit $?"; tail -12 "$OUT/cuda-bench.txt"
echo "JMH CudaBenchmark $JMH_ARGS, $(head -1 "$OUT/device.txt"), $(sed -n 2p "$OUT/device.txt")" | tee "$OUT/cuda-bench-table.md"
$J -cp $BENCH io.heapscope.bench.JmhTable "$OUT/cuda-bench.json" \
   cudaAllocatorPair/hostAllocatorPair rawDriverPair/cudaAllocatorPair | tee -a "$OUT/cuda-bench-table.md"
echo "goal: cudaAllocatorPair/hostAllocatorPair <= 1.5x and rawDriverPair/cudaAllocatorPair >= 500x at every size"
exit $TESTS_RC
