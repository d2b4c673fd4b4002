#!/usr/bin/env bash
# Debian's nginx for `make run REPLICAS=N` and its test. bot/nginx.py writes the configuration under
# var/ and bot/stack.py runs it as our child; the package's own service is not started.
set -euo pipefail
[ -x /usr/sbin/nginx ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
if [ ! -e /usr/sbin/policy-rc.d ]; then
  # Exit 101 tells the package's postinst not to start a system nginx on port 80.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
