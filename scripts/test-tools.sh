#!/usr/bin/env bash
# Runs before `npm test`: the suite drives a real Prometheus (prometheus, promtool), validates
# the compose file with a real docker-compose, and opens the HTML report in a real headless
# chromium (with fonts-liberation: the report's SVG text is laid out for Arial's metrics, which
# Liberation Sans has; chromium only recommends it, so --no-install-recommends leaves it out).
# Where they are missing and this is a Debian machine on which we are root (the project's machines
# and CI), install them from Debian's packages; elsewhere, say what to install and stop, rather
# than letting tests skip.
set -euo pipefail
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -n "$(fc-list 'Liberation Sans' 2>/dev/null)" ] || missing+=(fonts-liberation)
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test tools missing, installing from Debian: $packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages >/dev/null
  exit 0
fi
echo "npm test needs: $packages (Debian: apt-get install --no-install-recommends $packages)" >&2
exit 1
