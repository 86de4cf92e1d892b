#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when they are missing.
# Each line: a command (or file) to look for, and the package providing it.
set -euo pipefail

needs=(
  "/usr/lib/postgresql/*/bin/initdb postgresql"
  "runuser util-linux"
  "restic restic"
  "chromium chromium"
  "/usr/share/zoneinfo/Europe/Paris tzdata"
  "/usr/sbin/sshd openssh-server"
  "/usr/sbin/slapd slapd"
  "ldapsearch ldap-utils"
  "/usr/sbin/postfix postfix"
  "promtool prometheus"
  "prometheus-snmp-exporter prometheus-snmp-exporter"
)

missing=()
for entry in "${needs[@]}"; do
  probe=${entry% *}
  package=${entry##* }
  if [[ $probe == /* ]]; then
    compgen -G "$probe" >/dev/null || missing+=("$package")
  else
    command -v "$probe" >/dev/null || missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
# Servers (sshd, slapd, postfix...) are only run by the tests, on loopback ports of their
# own: keep the packages' maintainer scripts from starting system daemons meanwhile.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
