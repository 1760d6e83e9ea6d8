#!/usr/bin/env bash
# The one command for the statsforecast comparison (issue 5, targets 1 and 2):
#   bench/run.sh                 parity + accuracy on AUTO and MAN, then speed on the 1M panel
#   bench/run.sh --skip-speed    parity + accuracy only (about a minute)
#   bench/run.sh --speed-only    speed only
# Other flags go to bench/compare.py (--help). Which CLI is run: see compare.py's
# docstring (AFTERCARE_PLAN_CMD, AFTERCARE_BIN, else the release `plan` example).
# Data: AFTERCARE_DATA, default ../shared/data next to the checkout.
# Report: bench/out/report.md. Exit status 1 when a parity check fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench/setup.sh
exec bench/.venv/bin/python bench/compare.py "$@"
