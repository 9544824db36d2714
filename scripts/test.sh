#!/usr/bin/env bash
# Runs every test of every module with a JDK 25+ located by scripts/java-home.sh.
# Extra arguments go to Maven (e.g. -pl native -Dtest=HostDeviceTest).
# Includes the dashboards' test (a real Prometheus scraping a JVM with the agent, every panel query; ~60 s, needs
# Node.js and prometheus, see dashboards/README.md); -Dheapscope.dashboards=false leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh) || exit 1
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
exec mvn -B -ntp ${MAVEN_ARGS:-} verify -Dheapscope.dashboards=true "$@"
