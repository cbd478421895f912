#!/bin/sh
# The image's entry point: one image, started as an API server or a worker by its command.
#   api      the API server (serves /api, /v1, /hooks and the built editor)
#   worker   a Temporal worker (uses the workflow bundle prebuilt at image build time)
#   migrate  brings the database schema up to date and exits (the API and the worker also migrate at start)
#   <other>  run as is (a shell for debugging: `docker compose run --rm api-1 sh`)
set -eu
cd "$(dirname "$0")/.."  # /app in the image
case "${1:-api}" in
  api) exec node --import tsx server/src/main.ts ;;
  worker) exec node --import tsx worker/src/main.ts ;;
  migrate) exec node --import tsx scripts/migrate.ts ;;
  *) exec "$@" ;;
esac
