#!/usr/bin/env bash
# Run a command under a given Node.js major line: scripts/with-node.sh 24 npm test
#
# The official Node binary is fetched once from the npm registry package node-<os>-<arch>@<major>
# (it ships bin/node and the headers) into .cache/node/<major>/, which git ignores, and put first
# on PATH. Any npm on the machine does the fetch; nothing else is downloaded.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: scripts/with-node.sh <major> <command> [args…]   e.g. scripts/with-node.sh 24 npm test" >&2
  exit 2
fi
major=$1; shift
case "$major" in (*[!0-9]*|'') echo "with-node: major must be a number such as 24, got '$major'" >&2; exit 2;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.cache/node/$major"
case "$(uname -s)" in (Linux) os=linux;; (Darwin) os=darwin;; (*) echo "with-node: unsupported OS $(uname -s)" >&2; exit 2;; esac
case "$(uname -m)" in (x86_64|amd64) arch=x64;; (aarch64|arm64) arch=arm64;; (*) echo "with-node: unsupported CPU $(uname -m)" >&2; exit 2;; esac

if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "with-node: fetching node-$os-$arch@$major from the npm registry into .cache/node/$major" >&2
  (cd "$tmp" && npm pack --silent "node-$os-$arch@$major" >/dev/null && tar xzf node-*.tgz)
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi

export PATH="$dir/bin:$PATH"
exec "$@"
