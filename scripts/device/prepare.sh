#!/usr/bin/env bash
# Builds .device/ (git-ignored) for a CUDA run on the device machine, which has no Java: a jlinked Java 25 runtime,
# the built jars and test classes, the test dependencies, the JUnit console launcher and the traces.
# Then: run scripts/device/run-cuda.sh there, carrying .device (see docs/cuda.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME=$(scripts/java-home.sh) || exit 1
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
rm -rf .device && mkdir -p .device/lib .device/traces
mvn -B -ntp -q -DskipTests package
mvn -B -ntp -q -DskipTests package dependency:copy-dependencies -pl native -am -DincludeScope=test \
    -DoutputDirectory="$PWD/.device/lib" -DexcludeGroupIds=io.heapscope,org.openjdk.jmc,net.jqwik \
    -DexcludeArtifactIds=opentelemetry-exporter-prometheus,opentelemetry-sdk-testing
jlink --add-modules java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.jfr,java.xml,java.naming,java.net.http,jdk.zipfs \
      --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output .device/jre
rm -f .device/lib/junit-jupiter* .device/lib/junit-platform-* .device/lib/opentest4j* .device/lib/apiguardian* 2>/dev/null || true
mvn -B -ntp -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 -DoutputDirectory="$PWD/.device/lib"
# the device runs the allocator and CUDA tests only: keep the carried files under the 64 MiB the device tool takes
rm -f .device/lib/prometheus-* .device/lib/protobuf-* .device/lib/lz4-* .device/lib/encoder-* \
      .device/lib/opentelemetry-sdk* .device/lib/opentelemetry-exporter-*
cp native/target/heapscope-native-*.jar allocator/target/heapscope-allocator-*.jar bench/target/heapscope-bench.jar .device/lib/
cp -r native/target/test-classes .device/native-test-classes
cp ../shared/traces/*.gz ../shared/traces/*.json .device/traces/
du -sh .device .device/*
