#!/usr/bin/env bash
# Runs on the CUDA device machine (from the repository root, with .device carried): the CUDA backend tests and the
# allocator's behavioural suite on host and CUDA, the trace replay on CUDA, and the CUDA JMH benchmark.
# Outputs go to $OUT (or out/ when OUT is unset).
set -uo pipefail
OUT=${OUT:-out}; mkdir -p "$OUT"
J=.device/jre/bin/java
nvidia-smi -L | tee "$OUT/device.txt"
CP=$(ls .device/lib/*.jar | grep -v console-standalone | grep -v heapscope-bench | tr '\n' ':').device/native-test-classes
$J --enable-native-access=ALL-UNNAMED -jar .device/lib/junit-platform-console-standalone-*.jar execute \
   -cp "$CP" --select-package io.heapscope.allocator --select-package io.heapscope.backend.cuda \
   --details=tree --disable-banner > "$OUT/tests-cuda.txt" 2>&1
echo "tests exit $?" | tee -a "$OUT/tests-cuda.txt"; tail -25 "$OUT/tests-cuda.txt"
$J --enable-native-access=ALL-UNNAMED -Dheapscope.backend=cuda -cp .device/lib/heapscope-bench.jar \
   io.heapscope.bench.replay.ReplayMain .device/traces > "$OUT/replay-cuda.json" 2> "$OUT/replay-cuda.err"
echo "replay exit $?"; cat "$OUT/replay-cuda.json" | grep -E '"trace"|backend|seconds"|peak_reserved|heaps_created|unmatched' ; tail -5 "$OUT/replay-cuda.err"
$J -jar .device/lib/heapscope-bench.jar CudaBenchmark -jvm "$PWD/$J" -f 1 -wi 2 -i 3 -w 1s -r 1s > "$OUT/cuda-bench.txt" 2>&1
echo "jmh exit $?"; tail -10 "$OUT/cuda-bench.txt"
