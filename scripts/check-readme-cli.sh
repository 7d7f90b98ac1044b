#!/usr/bin/env bash
# CI step (not part of `npm test`): every `aws ...` command of the READMEs' shell blocks through the real
# AWS CLI, offline (scripts/check-readme-cli.ts says how). Installs Debian's `awscli` package when no `aws`
# is on PATH: CI runs as root on a fresh Debian machine. Elsewhere, install an AWS CLI yourself.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v aws >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "check-readme-cli: no aws on PATH and no apt-get to install it" >&2
    exit 2
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi
  log=$(mktemp)
  install_awscli() {
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1 &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Use-Pty=0 awscli >>"$log" 2>&1
  }
  # One retry: a mirror that is being synced answers the first update with a hash-sum mismatch now and then.
  if ! install_awscli && ! { sleep 5 && install_awscli; }; then
    echo "check-readme-cli: apt-get install awscli failed:" >&2
    tail -n 30 "$log" >&2
    rm -f "$log"
    exit 2
  fi
  rm -f "$log"
  hash -r
fi

exec npx tsx scripts/check-readme-cli.ts "$@"
