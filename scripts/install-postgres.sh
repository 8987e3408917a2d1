#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the push-down tests (tests/analytics/test_pushdown.py)
# and benchmark (`make bench-sql`), unless initdb and pg_ctl are already under /usr/lib/postgresql/*/bin.
# Both start their own throw-away server on 127.0.0.1 (benchmarks/postgres.py); this script never
# starts the system service.
set -euo pipefail
for bin in /usr/lib/postgresql/*/bin; do
    if [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then
        exit 0
    fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Keep the package from starting its service: a policy-rc.d that says "no" (exit 101) for the install.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    trap '$SUDO rm -f "$POLICY"' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q postgresql
