#!/usr/bin/env bash
# The README's main command: installs what is missing, then runs the dev stack against the
# embedded tenant emulator (scripts/demo.ts). Arguments: up (default) | preview | destroy.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh >/dev/null
exec node dist/scripts/demo.js "$@"
