#!/usr/bin/env bash
# Makes the Pulumi CLI v3.248.0 available and prints the directory that holds it (stdout, one line).
# Progress goes to stderr.
#   1. A `pulumi` on PATH at v3.248.0 or newer is used as is (users with internet install Pulumi
#      the usual way).
#   2. Otherwise the CLI is built from the Go module proxy through engine/go.mod + go.sum into
#      $TBN_ENGINE_HOME (default ~/.cache/teams-bot-numbers), outside git, and reused while
#      engine/go.mod and go.sum are unchanged (seconds when already built).
# Either way the dynamic-provider launcher shipped in node_modules/@pulumi/pulumi is placed beside
# the CLI, because every program here uses dynamic resources.
set -euo pipefail

want="3.248.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '[engine] %s\n' "$*" >&2; }

# Resolved like Node does from this package, so it is found also when this package is installed
# as a dependency (npm hoists @pulumi/pulumi into the consumer's node_modules).
sdk="$(cd "$root" && node -e 'process.stdout.write(require("path").dirname(require.resolve("@pulumi/pulumi/package.json")))' 2>/dev/null || true)"
launcher="${sdk:-$root/node_modules/@pulumi/pulumi}/pulumi-resource-pulumi-nodejs"
if [ ! -x "$launcher" ]; then
  say "missing $launcher: run 'npm ci' first."
  exit 1
fi

version_ok() { # $1 = version like v3.250.1 → true when >= $want
  local v="${1#v}"
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -n1)" = "$want" ]
}

place() { # $1 = file, $2 = bin dir; copy then rename, so a concurrent run never sees half a file
  local name
  name="$(basename "$1")"
  if ! cmp -s "$1" "$2/$name" 2>/dev/null; then
    cp "$1" "$2/.$name.$$"
    chmod 0755 "$2/.$name.$$"
    mv -f "$2/.$name.$$" "$2/$name"
  fi
}
place_launcher() { place "$launcher" "$1"; }
# The CLI built here has no Node.js language host (the Go module proxy does not serve it): put the
# stand-in beside it (engine/language-host.ts), where the engine looks for bundled language plugins.
place_language_host() { place "$root/engine/bin/pulumi-language-nodejs" "$1"; }

if [ -z "${TBN_FORCE_ENGINE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
  found="$(pulumi version 2>/dev/null || true)"
  if version_ok "$found"; then
    dir="$(dirname "$(readlink -f "$(command -v pulumi)")")"
    say "using pulumi $found from PATH ($dir)"
    if [ ! -x "$dir/pulumi-resource-pulumi-nodejs" ]; then
      if [ -w "$dir" ]; then place_launcher "$dir"; else say "note: $dir lacks pulumi-resource-pulumi-nodejs and is not writable"; fi
    fi
    echo "$dir"
    exit 0
  fi
  say "pulumi on PATH is '${found:-unknown}', older than v$want: building v$want instead"
fi

home="${TBN_ENGINE_HOME:-$HOME/.cache/teams-bot-numbers}"
bin="$home/pulumi-v$want/bin"
stamp="$bin/.built-from"
recipe="$(cat "$root/engine/go.mod" "$root/engine/go.sum" | sha256sum | cut -d' ' -f1)"

if [ -x "$bin/pulumi" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$recipe" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "v$want" ]; then
  place_launcher "$bin"
  place_language_host "$bin"
  say "pulumi v$want ready in $bin"
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "cannot make the Pulumi CLI available: no 'pulumi' v$want+ on PATH and no Go toolchain to build it."
  say "Install Pulumi (https://www.pulumi.com/docs/install/) or Go 1.25+ (with access to a Go module proxy)."
  exit 1
fi

say "building pulumi v$want from the Go module proxy with $(go version | cut -d' ' -f3) (a cold build takes several minutes on 2 cores)"
mkdir -p "$bin"
start=$(date +%s)
(
  cd "$root/engine"
  say "downloading modules listed in engine/go.sum"
  GOFLAGS=-mod=readonly go mod download
  say "compiling github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
  CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -tags osusergo \
    -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$want" \
    -o "$bin/pulumi.tmp.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
mv -f "$bin/pulumi.tmp.$$" "$bin/pulumi"
echo "$recipe" > "$stamp"
place_launcher "$bin"
place_language_host "$bin"
say "built $("$bin/pulumi" version) in $(( $(date +%s) - start ))s: $bin ($(du -h "$bin/pulumi" | cut -f1))"
echo "$bin"
