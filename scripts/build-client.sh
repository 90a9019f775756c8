#!/usr/bin/env bash
# Builds the client package (packages/client): shared/client and what it imports, compiled with
# declarations into packages/client/dist, and the proto beside it (shared/grpc/proto.ts loads
# ../../proto from dist/shared/grpc/). `npm pack` in packages/client then makes the tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf packages/client/dist
npx tsc -p packages/client/tsconfig.json
node -e "require('node:fs').cpSync('proto', 'packages/client/dist/proto', { recursive: true })"
