#!/usr/bin/env bash
# Cross-checks the bounce classifier against Debian's Sisimai on test/fixtures/bounces/cases.json.
# Needs `apt-get install -y libsisimai-perl`; a development aid, not used by the tests or CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! perl -MSisimai -e 1 2>/dev/null; then
  echo "Sisimai is not installed: apt-get update && apt-get install -y libsisimai-perl" >&2
  exit 1
fi
exec npx tsx scripts/sisimai-crosscheck.ts "$@"
