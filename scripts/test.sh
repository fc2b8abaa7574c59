#!/usr/bin/env bash
# The README's test command: installs what is missing, type-checks, lints, then runs every test
# (unit, emulator contract, provider lifecycle, real-engine end-to-end) and prints
# "N passed, N failed, N skipped" as its closing line. Extra arguments go to jest (e.g. a path filter).
#
#   scripts/test.sh [jest args]          the full suite (npm test)
#   scripts/test.sh --fast [jest args]   the fast tier only (npm run test:fast): unit, emulator contract,
#                                        conformance, fake-tenant hooks; no lint (run `npm run lint`)
#
# Test files run in parallel jest workers; jest.config.js says how many (TBN_TEST_WORKERS) and why
# that is safe.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fast=""
if [ "${1:-}" = "--fast" ]; then
  fast=1
  shift
fi

bash scripts/setup.sh >/dev/null
export TBN_CA_DIR="${TBN_CA_DIR:-$root/.tbn/ca}"
# Node reads extra CAs only at start-up: every process of the run (jest, the CLI's provider
# processes, the PowerShell stand-in) trusts the emulator through this.
export NODE_EXTRA_CA_CERTS="$TBN_CA_DIR/ca.pem"

if [ -z "$fast" ]; then
  echo "[test] lint (eslint)" >&2
  npx eslint . >&2
  echo "[test] format (prettier --check)" >&2
  npx prettier --check . >&2
fi

mkdir -p "$root/.tbn"
report="$(mktemp "$root/.tbn/jest-report.XXXXXX")"
trap 'rm -f "$report"' EXIT
rc=0
npx jest ${fast:+--selectProjects fast} --json --outputFile="$report" "$@" || rc=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed, ${r.numPendingTests} skipped`);
  if (r.numTotalTests === 0) process.exitCode = 1;
' "$report" || rc=1
exit "$rc"
