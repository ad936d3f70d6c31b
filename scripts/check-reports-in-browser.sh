#!/usr/bin/env bash
# Opens every shipped reports/*/report.html in headless Chromium and fails on a console error, a
# failed or outside resource, a blank page, an image that does not decode, a page wider than a
# phone's screen or a table that does not sort (scripts/browser/check-reports.mjs). Installs
# Debian's chromium when it is absent, and playwright-core (pinned in scripts/browser's lock file)
# to drive it. `.ci/run` runs it after the tests; give directories to check other reports:
#   scripts/check-reports-in-browser.sh /tmp/out
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ]; then
  echo "installing Debian's chromium for the report check" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q > /dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium > /dev/null
  chromium=$(command -v chromium)
fi
if ! command -v node > /dev/null; then
  echo "the report check needs Node.js (node and npm) to drive Chromium" >&2
  exit 1
fi
(cd scripts/browser && npm ci --no-audit --no-fund --silent)
start=$(date +%s)
CHROMIUM=$chromium node scripts/browser/check-reports.mjs "$@"
echo "browser check took $(( $(date +%s) - start )) s"
