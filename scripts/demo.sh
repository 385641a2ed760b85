#!/usr/bin/env bash
# Install everything mimamoru needs and start the demo: a test-pattern camera served at
# https://localhost:8443/ from ./mimamoru-demo. Extra arguments go to `mimamoru demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

# The Japanese TrueType font embedded in signage and PDF reports (docs/signage.md).
ensure_debian_packages fonts-ipaexfont-gothic
ensure_venv ""
exec "$VENV/bin/mimamoru" demo "$@"
