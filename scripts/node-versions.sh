#!/usr/bin/env bash
# Runs the demo end to end (`npm run demo -- --exit`: sandbox, producer, workers, dlq, report, duplicate check) under
# each Node.js major the project promises besides the one installed: 22 and 24 (package.json asks ≥ 20.19).
# The binaries come from the npm registry (the `node-<os>-<arch>` packages the `node` package installs from), so no
# other download site is needed; they are kept in $NODE_VERSIONS_CACHE (default: node_modules/.cache/node-versions).
#
#   scripts/node-versions.sh            # 22 and 24
#   scripts/node-versions.sh 24         # one major
#
# Exit status: 0 when the demo passed under every version it could fetch, 1 when it failed under one, 2 for an
# argument that is not a major version number. A version whose
# binary cannot be fetched (no registry, a platform without one) is said loudly and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
cache="${NODE_VERSIONS_CACHE:-node_modules/.cache/node-versions}"
mkdir -p "$cache"
platform="node-$(node -p 'process.platform')-$(node -p 'process.arch')"

failed=()
for major in "${majors[@]}"; do
  # A major is a number: it names a folder this script empties (rm -rf "$cache/$major").
  if ! [[ $major =~ ^[0-9]+$ ]]; then
    echo "node-versions: \"$major\" is not a Node.js major version (22, 24)" >&2
    exit 2
  fi
  dir="$cache/$major"
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    if ! tarball=$(cd "$dir" && npm pack --silent "$platform@$major" 2>/dev/null | tail -1) || [ -z "$tarball" ]; then
      echo "node-versions: SKIPPED Node $major: could not fetch $platform@$major from the npm registry" >&2
      rm -rf "$dir"
      continue
    fi
    tar -xzf "$dir/$tarball" -C "$dir" && rm -f "$dir/$tarball"
  fi
  bin="$(cd "$dir/package/bin" && pwd)"
  echo "node-versions: the demo under Node $("$bin/node" --version)"
  if PATH="$bin:$PATH" npm run --silent demo -- --exit; then
    echo "node-versions: Node $major passed"
  else
    echo "node-versions: Node $major FAILED" >&2
    failed+=("$major")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "node-versions: the demo failed under Node ${failed[*]}" >&2
  exit 1
fi
