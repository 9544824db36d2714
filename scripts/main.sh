#!/usr/bin/env bash
# The main job: build, then replay PyTorch's real allocation traces through the Heapscope allocator on the host
# backend in a JVM started with the Heapscope agent, recording every allocation, recycle, free and release as JFR
# events, and report what was recorded beside the replay's own figures.
#   scripts/main.sh [TRACE-OR-DIR...]      (default: ../shared/traces beside the checkout; HEAPSCOPE_TRACES overrides)
# Output: out/replay.json, out/heapscope.jfr (open it in JDK Mission Control), out/report.txt
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh) || exit 1
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

traces=("$@")
[ ${#traces[@]} -gt 0 ] || traces=("${HEAPSCOPE_TRACES:-../shared/traces}")

echo "== building (mvn package, tests skipped: scripts/test.sh runs them)"
mvn -B -ntp -q -DskipTests package

mkdir -p out
rm -f out/heapscope.jfr
echo "== replaying ${traces[*]} on the host backend with the agent attached"
java -javaagent:agent/target/heapscope-agent.jar="verbosity=ALLOCATIONS|RECYCLES|RELEASES|PROFILING,sinks=jfr,jfr.file=out/heapscope.jfr" \
     --enable-native-access=ALL-UNNAMED -Dheapscope.backend=host \
     -cp bench/target/heapscope-bench.jar io.heapscope.bench.replay.ReplayMain "${traces[@]}" > out/replay.json
cat out/replay.json

echo "== JFR recording out/heapscope.jfr: Heapscope events per type and framework"
java -jar agent/target/heapscope-agent.jar report out/heapscope.jfr | tee out/report.txt
echo "== open out/heapscope.jfr in JDK Mission Control (Event Browser > Heapscope), or: jfr summary out/heapscope.jfr"
