#!/usr/bin/env bash
# The README's test command: installs what is missing, type-checks, lints, then runs every test
# (unit, emulator contract, provider lifecycle, real-engine end-to-end) and prints
# "N passed, N failed" as its closing line. Extra arguments go to jest (e.g. a path filter).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh >/dev/null
export TBN_CA_DIR="${TBN_CA_DIR:-$root/.tbn/ca}"
# Node reads extra CAs only at start-up: every process of the run (jest, the CLI's provider
# processes, the PowerShell stand-in) trusts the emulator through this.
export NODE_EXTRA_CA_CERTS="$TBN_CA_DIR/ca.pem"

echo "[test] lint (eslint)" >&2
npx eslint . >&2
echo "[test] format (prettier --check)" >&2
npx prettier --check . >&2

report="$root/.tbn/jest-report.json"
mkdir -p "$root/.tbn"
rc=0
npx jest --runInBand --json --outputFile="$report" "$@" || rc=$?
node -e '
  const r = require(process.argv[1]);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed, ${r.numPendingTests} skipped`);
  if (r.numTotalTests === 0) process.exitCode = 1;
' "$report" || rc=1
exit "$rc"
