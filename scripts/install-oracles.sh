#!/usr/bin/env bash
# Installs the Debian packages the differential (oracle) tests compare against:
# at (atd's time parser), acct (the kernel's process accounting), procps (ps, top), util-linux,
# redis-server (coordination bench), chromium (dashboard tests via playwright-core), prometheus
# (promtool checks /metrics), supervisor (import and comparison), systemd (systemd-analyze, systemd-notify),
# acl (setfacl: a directory an ACL opens to a user).
set -euo pipefail
pkgs=(at acct procps util-linux tzdata gcc faketime cron sysstat redis-server chromium prometheus supervisor systemd python3 openssl acl)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-oracles: missing ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
