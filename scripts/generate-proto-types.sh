#!/usr/bin/env bash
# Generates the TypeScript types of proto/ into shared/generated (or into $1, for the staleness
# test). Pinned options: the same as shared/grpc/proto.ts passes to loadSync.
# --importFileExtension .js: the package is ESM with NodeNext resolution, where relative imports
# need their extension.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-shared/generated}"
rm -rf "$out"
npx proto-loader-gen-types --keepCase --longs String --enums String --defaults --oneofs \
  --includeComments --grpcLib=@grpc/grpc-js --importFileExtension .js \
  -I proto -O "$out" mshare/v1/broker.proto
