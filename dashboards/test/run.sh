#!/usr/bin/env bash
# The dashboards' test, real where this machine allows (no Grafana, no containers here):
#   1. the committed dashboards/json/*.json are what dashboards/generate.mjs writes;
#   2. each dashboard type-checks against Grafana's published schema types (@grafana/schema + tsc), and the
#      deliberately wrong cases in negative.ts are rejected;
#   3. each panel's unit fits its queries (check.mjs static), and broken copies are rejected (check.mjs self-test);
#   4. a real Prometheus (Debian's `prometheus`, installed if missing) on 127.0.0.1:<free port>, with its own config
#      and data folder, scrapes a real JVM (the workload below) every second (dashboards/prometheus/prometheus.yml's
#      `heapscope` job, pointed at it); then every target of every panel,
#      template variables filled in as Grafana does (label_values against Prometheus, All and each value), must
#      return series through Prometheus' HTTP API (check.mjs query).
#
# Usage: dashboards/test/run.sh [--serve]
#   --serve   after the checks, keep Prometheus and the workload running (Ctrl-C ends both) to query them yourself
# Environment: HEAPSCOPE_DASH_CP=<class path> skips the Maven build (a JUnit test passes its own class path; the
#              agent jar, agent/target/heapscope-agent.jar, is then used as built, or built if missing);
#              HEAPSCOPE_DASH_SECONDS (default 120; the script stops it when done): how long the workload runs when not serving.
# Files: dashboards/test/build/run/ (Prometheus config, data, logs of both processes; kept for inspection).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
serve=false
[ "${1:-}" = "--serve" ] && serve=true
t0=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - t0))"; }

run_dir=$root/dashboards/test/build/run
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# ---- tools -------------------------------------------------------------------------------------------------
command -v node >/dev/null || { echo "dashboards test: needs Node.js 18+ (node, npm)" >&2; exit 1; }
if ! command -v prometheus >/dev/null; then
  step "installing Debian's prometheus package"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get install -y -qq prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq prometheus >/dev/null; })
  else
    echo "dashboards test: prometheus is missing; install it (Debian/Ubuntu: sudo apt-get install prometheus)" >&2; exit 1
  fi
fi
prometheus --version 2>&1 | head -n1
if [ ! -x dashboards/test/node_modules/.bin/tsc ]; then
  step "npm ci (@grafana/schema, typescript) into dashboards/test/node_modules"
  (cd dashboards/test && npm ci --no-audit --no-fund --loglevel=error)
fi

# ---- static checks ------------------------------------------------------------------------------------------
step "dashboards/json is what generate.mjs writes"
rm -rf "$run_dir" && mkdir -p "$run_dir"
node dashboards/generate.mjs "$run_dir/generated"
diff -r "$run_dir/generated" dashboards/json || { echo "FAIL: dashboards/json differs from generate.mjs: run 'node dashboards/generate.mjs' and commit" >&2; exit 1; }
echo "identical"

step "tsc: dashboards against @grafana/schema $(node -p "require('./dashboards/test/node_modules/@grafana/schema/package.json').version")"
(cd dashboards/test && node gen-ts.mjs && node_modules/.bin/tsc -p tsconfig.json && echo "tsc: no errors (negative.ts: every wrong case rejected)")

step "units fit queries"
node dashboards/test/check.mjs static
node dashboards/test/check.mjs self-test

step "deployment files (compose, collector, Prometheus, Grafana provisioning)"
if command -v promtool >/dev/null; then promtool check config dashboards/prometheus/prometheus.yml; else echo "promtool not installed: prometheus.yml syntax not checked"; fi
node dashboards/test/deploy.mjs check

# ---- the workload ---------------------------------------------------------------------------------------------
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
built_here=false
if [ -z "${HEAPSCOPE_DASH_CP:-}" ]; then
  built_here=true
  step "building the workload (mvn -pl allocator,native,bench test-compile)"
  MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -q -B -ntp -pl allocator,native,bench \
    -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
  HEAPSCOPE_DASH_CP="bench/target/test-classes:bench/target/classes:$(cat bench/target/test-classpath.txt)"
fi
CP=$HEAPSCOPE_DASH_CP
AGENT=$root/agent/target/heapscope-agent.jar
if $built_here || [ ! -f "$AGENT" ]; then  # a JUnit test passing its class path runs after the agent's package
  step "building the agent (mvn -pl allocator,native,agent package -DskipTests)"
  MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -q -B -ntp -pl allocator,native,agent \
    -DskipTests package
fi
WORKLOAD_PORT=$(free_port)
WORKLOAD_SECONDS=${HEAPSCOPE_DASH_SECONDS:-120}
$serve && WORKLOAD_SECONDS=86400

step "starting the workload JVM, /metrics on 127.0.0.1:$WORKLOAD_PORT"
# ---- WORKLOAD: the one line that starts the JVM Prometheus scrapes (must serve /metrics on 127.0.0.1:$WORKLOAD_PORT)
# The real agent: its `heapscope` hook gives both allocators the agent's telemetry, its framework hooks count the
# workload's direct buffers, FFM arenas and Netty chunks, and its own SDK serves them all through the OpenTelemetry
# Prometheus exporter (configured the OpenTelemetry way; 127.0.0.1 is the agent's default host).
java -javaagent:"$AGENT"=verbosity=ALLOCATIONS+RECYCLES+RELEASES+PROFILING,sinks=otel -Dotel.metrics.exporter=prometheus -Dotel.exporter.prometheus.port="$WORKLOAD_PORT" -Dotel.service.name=heapscope-dashboards-workload --enable-native-access=ALL-UNNAMED -cp "$CP" io.heapscope.bench.dashboards.DashboardWorkload --export=global --seconds="$WORKLOAD_SECONDS" >"$run_dir/workload.log" 2>&1 &
# Without the agent (the workload's own SDK and exporter, framework metrics counted by the workload itself):
# java --enable-native-access=ALL-UNNAMED -cp "$CP" io.heapscope.bench.dashboards.DashboardWorkload --export=self --port="$WORKLOAD_PORT" --seconds="$WORKLOAD_SECONDS" >"$run_dir/workload.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$WORKLOAD_PORT/metrics" | grep -q '^heapscope_' && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$run_dir/workload.log" >&2; echo "FAIL: the workload JVM exited" >&2; exit 1; }
  sleep 0.5
done
echo "heapscope series served: $(curl -sf "http://127.0.0.1:$WORKLOAD_PORT/metrics" | grep -c '^heapscope_' || true)"

# ---- Prometheus -----------------------------------------------------------------------------------------------
PROM_PORT=$(free_port)
step "starting Prometheus on 127.0.0.1:$PROM_PORT (config and data in $run_dir)"
node dashboards/test/deploy.mjs test-config "$WORKLOAD_PORT" >"$run_dir/prometheus.yml"
! command -v promtool >/dev/null || promtool check config "$run_dir/prometheus.yml" >/dev/null
prometheus --config.file="$run_dir/prometheus.yml" --storage.tsdb.path="$run_dir/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=2h --log.level=warn \
  >"$run_dir/prometheus.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$PROM_PORT"
q() { curl -sf "$prom/api/v1/query" --data-urlencode "query=$1" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s).data.result;console.log(r.length?r[0].value[1]:'')})"; }

step "waiting for 20 scrapes, all 18 metric families, a free in every framework"
start=$SECONDS
until [ "$(q 'min(count_over_time(heapscope_allocations_total[5m]))' 2>/dev/null)" -ge 20 ] 2>/dev/null \
   && [ "$(q 'count(count by (__name__) ({otel_scope_name="io.heapscope"}))' 2>/dev/null)" -ge 18 ] 2>/dev/null \
   && [ "$(q 'count(heapscope_framework_frees_total) >= count(heapscope_framework_memory_live_bytes)' 2>/dev/null)" != "" ]; do
  kill -0 "${pids[1]}" 2>/dev/null || { cat "$run_dir/prometheus.log" >&2; echo "FAIL: prometheus exited" >&2; exit 1; }
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$run_dir/workload.log" >&2; echo "FAIL: the workload JVM exited" >&2; exit 1; }
  [ $((SECONDS - start)) -lt 90 ] || { echo "FAIL: no data in Prometheus after 90 s (see $run_dir)" >&2; exit 1; }
  sleep 1
done
echo "up=$(q 'up{job="heapscope"}')  samples of heapscope_allocations_total per series: $(q 'min(count_over_time(heapscope_allocations_total[5m]))')  metric families: $(q 'count(count by (__name__) ({otel_scope_name="io.heapscope"}))')"
echo "decoder OOMs: $(q 'sum(heapscope_out_of_memory_total{heapscope_allocator_name="decoder"})')  GC reclaimed: $(q 'sum(heapscope_gc_reclaimed_bytes_total{heapscope_allocator_name="decoder"})') bytes  pressure now: $(q 'max(heapscope_memory_pressure{heapscope_allocator_name="decoder"})')"

step "every panel's queries against Prometheus ($prom)"
range=$(( SECONDS - start ))s
# Grafana's \$__rate_interval with a 1 s scrape interval: max(\$__interval + 1s, 4 * 1s) = 4s at this zoom
node dashboards/test/check.mjs query "$prom" --rate-interval=4s --range="$range" --interval=1s
node dashboards/test/check.mjs self-test "$prom"

step "PASS (dashboards: $(ls dashboards/json | wc -l), total $((SECONDS - t0)) s)"
if $serve; then
  echo "Prometheus: $prom  (e.g. $prom/graph?g0.expr=heapscope_memory_reserved_bytes)"
  echo "workload /metrics: http://127.0.0.1:$WORKLOAD_PORT/metrics   Ctrl-C stops both"
  wait "${pids[1]}"
fi
