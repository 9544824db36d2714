#!/usr/bin/env bash
# Prints the path of a JDK 25 or newer: $JAVA_HOME first, then the usual JVM folders.
# Exits 1 with one clear line on stderr when none is found. Source-free: call as $(scripts/java-home.sh).
set -u
want=25

major_of() { # $1 = JDK home; prints its feature version or nothing
  local rel="$1/release" v
  [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  fi
  echo "$v"
}

candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for d in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* /usr/java/* "$HOME"/.sdkman/candidates/java/* \
         /Library/Java/JavaVirtualMachines/*/Contents/Home; do
  [ -d "$d" ] && candidates+=("$d")
done
if command -v javac >/dev/null 2>&1; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
fi

best="" best_v=0
for c in "${candidates[@]}"; do
  v=$(major_of "$c")
  [ -n "$v" ] || continue
  if [ "$v" -ge "$want" ] && [ "$v" -gt "$best_v" ]; then best="$c"; best_v="$v"; fi
  # JAVA_HOME wins when it is new enough, even if a newer JDK sits elsewhere
  if [ "$c" = "${JAVA_HOME:-}" ] && [ -n "$best" ]; then break; fi
done

if [ -z "$best" ]; then
  echo "heapscope: no JDK $want+ found (looked at JAVA_HOME and /usr/lib/jvm, /opt, ~/.sdkman); install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME" >&2
  exit 1
fi
readlink -f "$best"
