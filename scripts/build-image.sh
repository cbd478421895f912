#!/usr/bin/env bash
# The Dockerfile's build steps, without Docker: what the image holds, built in a fresh directory from this
# checkout, then started from that built output. Used where no Docker engine runs (this project's CI machines).
#
#   scripts/build-image.sh [OUT_DIR]             build into OUT_DIR (default: a new temporary directory)
#   TEMPORAL_ADDRESS=127.0.0.1:7233 scripts/build-image.sh OUT_DIR --start
#                                                ... then start the API and a worker from it as the image's entry
#                                                point does, check them, and stop them with SIGTERM
#   TEMPORAL_ADDRESS=… scripts/build-image.sh OUT_DIR --start-only
#                                                start and check an OUT_DIR built before, without rebuilding
#
# Stage by stage (Dockerfile): deps (npm ci), build (build:editor, build:workflows), prod-deps (npm ci
# --omit=dev), runtime (sources + editor/dist + dist/). The Temporal CLI install is skipped, as in the image.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d -t switchyard-image-XXXXXX)}
start=${2:-}
build="$out/build"
app="$out/app"
export SWITCHYARD_SKIP_TEMPORAL_CLI=1
say() { echo "[build-image] $*"; }
if [ "$start" != "--start-only" ]; then
rm -rf "$build" "$app"
mkdir -p "$build" "$app"

say "deps + build: the checkout's files (as COPY . . with .dockerignore) into $build"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$build")
(cd "$build" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
(cd "$build" && npm run --silent build:editor >/dev/null && npm run --silent build:workflows)

say "prod-deps: npm ci --omit=dev"
cp "$build/package.json" "$build/package-lock.json" "$app/"
mkdir -p "$app/scripts" && cp "$build/scripts/setup-temporal.mjs" "$app/scripts/"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error)

say "runtime: sources, the built editor and the prebuilt workflow bundle"
for dir in core catalog store server worker scripts; do cp -r "$build/$dir" "$app/"; done
cp "$build/tsconfig.json" "$app/"
mkdir -p "$app/editor" && cp -r "$build/editor/dist" "$app/editor/dist"
cp -r "$build/dist" "$app/dist"
rm -rf "$build"
say "built: $app ($(du -sh "$app" | cut -f1), node_modules $(du -sh "$app/node_modules" | cut -f1))"

fi
if [ "$start" != "--start" ] && [ "$start" != "--start-only" ]; then exit 0; fi
[ -d "$app/node_modules" ] || { say "nothing built in $app"; exit 1; }
: "${TEMPORAL_ADDRESS:?--start needs TEMPORAL_ADDRESS (a running Temporal)}"
port=${PORT:-$((20000 + RANDOM % 10000))}
data="$out/data"
mkdir -p "$data"
export HOST=127.0.0.1 PORT=$port DATA_DIR=$data TEMPORAL_TASK_QUEUE="build-image-$$" LOG_LEVEL=info
export SWITCHYARD_MASTER_KEY=${SWITCHYARD_MASTER_KEY:-$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')}
cd "$app"
scripts/docker-entrypoint.sh migrate
scripts/docker-entrypoint.sh api >"$out/api.log" 2>&1 &
api=$!
scripts/docker-entrypoint.sh worker >"$out/worker.log" 2>&1 &
worker=$!
stop() { kill -TERM "$api" "$worker" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/api/ready" >/dev/null 2>&1 && grep -q 'worker running' "$out/worker.log"; then break; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/api/ready" && echo
grep -q 'using a prebuilt workflow bundle' "$out/worker.log" || { say 'the worker did not use the prebuilt bundle'; cat "$out/worker.log"; exit 1; }
curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="root">' || { say 'the built editor is not served'; exit 1; }
say "api (:$port) ready, editor served, worker running on the prebuilt bundle; stopping with SIGTERM"
trap - EXIT
stop
wait "$api"; wait "$worker"
say "both exited 0"
