#!/usr/bin/env bash
# Startup cost of the agent: wall time of a trivial "hello" JVM without and with the agent in several
# configurations, median of N runs each (runs interleaved so background load hits all alike).
# Usage: agent/scripts/startup.sh [runs]   (after: mvn -pl agent -am package -DskipTests)
# BASELINE_AGENT=/path/to/other/heapscope-agent.jar adds that jar's configurations to the same interleaved runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME=$(scripts/java-home.sh)
JAVA="$JAVA_HOME/bin/java"
AGENT=$PWD/agent/target/heapscope-agent.jar
RUNS=${1:-11}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$WORK/Hello.java"
"$JAVA_HOME/bin/javac" -d "$WORK" "$WORK/Hello.java"
# an agent that does nothing: the JVM's own cost of -javaagent
mkdir -p "$WORK/empty"
printf 'public class EmptyAgent { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }\n' > "$WORK/EmptyAgent.java"
"$JAVA_HOME/bin/javac" -d "$WORK/empty" "$WORK/EmptyAgent.java"
printf 'Premain-Class: EmptyAgent\n' > "$WORK/manifest"
"$JAVA_HOME/bin/jar" cfm "$WORK/empty.jar" "$WORK/manifest" -C "$WORK/empty" EmptyAgent.class

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A CONFIG=(
  [1-none]=""
  [2-empty-agent]="-javaagent:$WORK/empty.jar"
  [3-verbosity=0]="-javaagent:$AGENT=verbosity=0"
  [4-default]="-javaagent:$AGENT"
  [5-jfr.file]="-javaagent:$AGENT=jfr.file=$WORK/x.jfr"
  [6-hooks=direct,sinks=jfr]="-javaagent:$AGENT=hooks=direct,sinks=jfr"
  [7-default+prometheus]="-Dotel.metrics.exporter=prometheus -Dotel.exporter.prometheus.port=0 -javaagent:$AGENT"
)
if [[ -n "${BASELINE_AGENT:-}" ]]; then
  CONFIG[7-baseline verbosity=0]="-javaagent:$BASELINE_AGENT=verbosity=0"
  CONFIG[8-baseline default]="-javaagent:$BASELINE_AGENT"
  CONFIG[9-baseline jfr.file]="-javaagent:$BASELINE_AGENT=jfr.file=$WORK/y.jfr"
fi
declare -A WALL CPU
TIMEFORMAT='%R %U %S'
for ((i = 0; i < RUNS; i++)); do
  for k in "${!CONFIG[@]}"; do
    # shellcheck disable=SC2086
    t=$( { time "$JAVA" ${CONFIG[$k]} -cp "$WORK" Hello > /dev/null 2>&1; } 2>&1 )
    read -r real user sys <<< "$t"
    WALL[$k]+="$(awk -v r="$real" 'BEGIN {printf "%d", r * 1000}') "
    CPU[$k]+="$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}') "
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median of $RUNS runs (load average before: $LOAD, after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores)"
printf '%-28s %10s %10s\n' "configuration" "wall ms" "cpu ms"
while IFS= read -r k; do
  # shellcheck disable=SC2086
  printf '%-28s %10s %10s\n' "${k#*-}" "$(median ${WALL[$k]})" "$(median ${CPU[$k]})"
done < <(printf '%s\n' "${!CONFIG[@]}" | sort)
