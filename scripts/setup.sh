#!/usr/bin/env bash
# Installs whatever is missing, idempotently: npm dependencies (from package-lock.json), the
# Pulumi CLI (scripts/engine.sh), the TypeScript build (dist/) and the emulator's CA.
# Prints the Pulumi CLI directory on stdout; progress on stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v node >/dev/null 2>&1; then say "Node.js 20.19+ is required (node not found)"; exit 1; fi
if ! cmp -s package-lock.json node_modules/.package-lock-installed 2>/dev/null; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
  cp package-lock.json node_modules/.package-lock-installed
fi

bin="$(bash scripts/engine.sh)"

say "compiling TypeScript (tsc)"
npx tsc -p tsconfig.json >&2

export TBN_CA_DIR="${TBN_CA_DIR:-$root/.tbn/ca}"
node dist/emulator/cli.js ca --dir "$TBN_CA_DIR" >&2
echo "$bin"
