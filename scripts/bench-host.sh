#!/usr/bin/env bash
# The host JMH comparison of docs/benchmarks.md in one JMH run (3 forks x 8 iterations): Heapscope's cached pair
# against Netty pooled/adaptive and libc (4 KiB, 64 KiB), the pair with 10/1,000/100,000 cached buffers, 1 vs 2
# threads on one allocator (Heapscope and Netty pooled); then the cache maintenance single shots (emptyCache, GC pass
# over 100,000 cached buffers). Writes out/bench-host*.json|.txt and prints the docs' tables (io.heapscope.bench.JmhTable).
# Run after a build (mvn -q -o -DskipTests package); JMH_ARGS overrides the run length.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh) || exit 1
J="$JAVA_HOME/bin/java"
BENCH=bench/target/heapscope-bench.jar
mkdir -p out
JMH_ARGS=${JMH_ARGS:--f 3 -wi 4 -i 8 -w 1s -r 1s}
{ date -u '+%Y-%m-%dT%H:%M:%SZ'; uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo; "$J" -version 2>&1 | head -1; echo "load before: $(cat /proc/loadavg)"; } | tee out/bench-host-machine.txt
# shellcheck disable=SC2086
"$J" -jar $BENCH 'io.heapscope.bench.jmh.host.(HostPair|Growth|Threads)Benchmark' -jvm "$J" $JMH_ARGS \
    -rf json -rff out/bench-host.json > out/bench-host.txt 2>&1
echo "load after main run: $(cat /proc/loadavg)" | tee -a out/bench-host-machine.txt
"$J" -jar $BENCH 'io.heapscope.bench.jmh.host.CacheMaintenanceBenchmark' -jvm "$J" -rf json -rff out/bench-host-cache.json \
    > out/bench-host-cache.txt 2>&1
echo "load after cache run: $(cat /proc/loadavg)" | tee -a out/bench-host-machine.txt
T="$J -cp $BENCH io.heapscope.bench.JmhTable"
$T out/bench-host.json --bench=HostPairBenchmark heapscope/nettyPooled heapscope/nettyAdaptive heapscope/libc
echo; $T out/bench-host.json --bench=GrowthBenchmark
echo; $T out/bench-host.json --bench=ThreadsBenchmark heapscope2Threads/heapscope1Thread nettyPooled2Threads/nettyPooled1Thread
echo; $T out/bench-host-cache.json
