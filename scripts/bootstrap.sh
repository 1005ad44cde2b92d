#!/usr/bin/env bash
# Make sure uv exists (installing it into .tools/ from the package index when it does not),
# then print its path. Needs only Python >= 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v uv >/dev/null 2>&1; then command -v uv; exit 0; fi
if [[ -x .tools/bin/uv ]]; then echo .tools/bin/uv; exit 0; fi
if [[ -x .tools/pkgs/bin/uv ]]; then echo .tools/pkgs/bin/uv; exit 0; fi
PY=$(command -v python3.13 || command -v python3.12 || command -v python3.11 || command -v python3)
echo "bootstrap: installing uv with $PY into .tools/" >&2
if "$PY" -m venv .tools >/dev/null 2>&1 && .tools/bin/python -m pip install -q uv >&2; then
  echo .tools/bin/uv
else
  rm -rf .tools
  "$PY" -m pip install -q --target .tools/pkgs uv >&2
  echo .tools/pkgs/bin/uv
fi
