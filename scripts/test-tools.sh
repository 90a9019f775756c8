#!/usr/bin/env bash
# Runs before `npm test`: the suite drives a real Prometheus (prometheus, promtool), validates
# the compose file with a real docker-compose, opens the HTML report in a real headless chromium
# (with fonts-liberation: the report's SVG text is laid out for Arial's metrics, which Liberation
# Sans has; chromium only recommends it, so --no-install-recommends leaves it out), builds a C
# program with gcc and runs a real PostgreSQL 15 (Debian 12's postgresql: binaries in
# /usr/lib/postgresql/15/bin, and the postgres user) for the capture tests. Where they are missing
# and this is a Debian machine on which we are root (the project's machines and CI), install them
# from Debian's packages; elsewhere, say what to install and stop, rather than letting tests skip.
set -euo pipefail
PG_BIN=/usr/lib/postgresql/15/bin
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -n "$(fc-list 'Liberation Sans' 2>/dev/null)" ] || missing+=(fonts-liberation)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
pg_ok() {
  for bin in initdb pg_ctl postgres psql pgbench; do [ -x "$PG_BIN/$bin" ] || return 1; done
  id -u postgres >/dev/null 2>&1
}
pg_ok || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test tools missing, installing from Debian: $packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The tests start their own servers: keep the packages' services (postgresql's main cluster,
  # prometheus) from being started by the install, as Debian's container images do.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages >/dev/null
  if ! pg_ok; then
    echo "installed postgresql, but $PG_BIN is not complete: the capture tests need PostgreSQL 15 (Debian 12)" >&2
    exit 1
  fi
  exit 0
fi
echo "npm test needs: $packages (Debian: apt-get install --no-install-recommends $packages)" >&2
exit 1
