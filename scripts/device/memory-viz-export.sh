#!/usr/bin/env bash
# Exports the shared traces, a Heapscope JFR recording, an RMM log and a PyTorch-shaped snapshot to PyTorch's
# memory-snapshot pickle (heapscope-agent.jar export --memory-viz) into out/memviz/, each with NAME.expect
# ("SEGMENTS ENTRIES" as the export reported them) for scripts/device/memory-viz-check.sh on the device machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME=$(scripts/java-home.sh) || exit 1
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
[ -f agent/target/heapscope-agent.jar ] || mvn -B -ntp -q -DskipTests -pl agent -am package
out=out/memviz
rm -rf "$out" && mkdir -p "$out"
inputs=()
for t in ../shared/traces/*.trace.csv.gz; do inputs+=("$t"); done
# a JFR recording of the allocator replaying a trace, made by the agent
java -javaagent:agent/target/heapscope-agent.jar="verbosity=ALLOCATIONS|RECYCLES|RELEASES,sinks=jfr,jfr.file=$out/replay.jfr" \
     --enable-native-access=ALL-UNNAMED -Dheapscope.backend=host -cp agent/target/heapscope-agent.jar \
     io.heapscope.agent.Main replay ../shared/traces/gpt2_train.trace.csv.gz > /dev/null
inputs+=("$out/replay.jfr")
printf 'Thread,Time,Action,Pointer,Size,Stream\n1,10:00:00.000001,allocate,0x7f0000000000,1048576,0x0\n1,10:00:00.000002,allocate,0x7f0000200000,4096,0x0\n1,10:00:00.000003,free,0x7f0000000000,1048576,0x0\n' > "$out/rmm_log.csv"
inputs+=("$out/rmm_log.csv" agent/src/test/resources/io/heapscope/agent/interchange/synthetic-snapshot.pickle)
for in in "${inputs[@]}"; do
    name=$(basename "$in"); name=${name%%.*}
    line=$(java -jar agent/target/heapscope-agent.jar export --memory-viz "$out/$name.pickle" "$in")
    echo "$line"
    echo "$line" | sed -E 's/.*: ([0-9]+) segments, ([0-9]+) trace entries.*/\1 \2/' > "$out/$name.expect"
done
rm -f "$out/replay.jfr" "$out/rmm_log.csv"
du -sh "$out"
