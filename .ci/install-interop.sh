#!/usr/bin/env bash
# Installs the third-party programs of the interoperability tests (RealIrohEndpointTest): n0's
# Node.js bindings of iroh 1.0, exactly as locked in interop/iroh/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../interop/iroh"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-interop: Node.js >= 20.3 and npm are needed (found none)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
