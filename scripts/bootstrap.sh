#!/usr/bin/env bash
# Make sure uv exists, then print its path (and nothing else on stdout). Needs only
# Python >= 3.11: uv is installed into .tools/ from the package index when it is not on PATH.
#
# Each candidate interpreter is *run*, not just looked up: on a pyenv machine `python3.13`
# may be a shim that exists on PATH and refuses to start. `python3` comes first because it
# honours the checkout's .python-version.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "bootstrap: $*" >&2; }

if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then command -v uv; exit 0; fi
for found in .tools/bin/uv .tools/pkgs/bin/uv; do
  if [[ -x $found ]] && "$found" --version >/dev/null 2>&1; then echo "$PWD/$found"; exit 0; fi
done

works() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
PY=""
for candidate in python3 python3.13 python3.12 python3.11 python; do
  if command -v "$candidate" >/dev/null 2>&1 && works "$candidate"; then PY=$candidate; break; fi
done
if [[ -z $PY ]]; then
  say "no working Python >= 3.11 found (tried python3, python3.13, python3.12, python3.11, python)."
  say "install Python 3.11 or newer (e.g. 'apt-get install python3' or 'pyenv install 3.11'), or put uv on PATH."
  exit 1
fi

say "installing uv with $PY ($("$PY" --version 2>&1)) into .tools/ (one time)"
rm -rf .tools
if "$PY" -m venv .tools >&2 && .tools/bin/python -m pip install -q --disable-pip-version-check uv >&2 \
   && .tools/bin/uv --version >/dev/null 2>&1; then
  echo "$PWD/.tools/bin/uv"; exit 0
fi
say "venv route failed; trying pip --target"
rm -rf .tools
if "$PY" -m pip install -q --disable-pip-version-check --target .tools/pkgs uv >&2 \
   && .tools/pkgs/bin/uv --version >/dev/null 2>&1; then
  echo "$PWD/.tools/pkgs/bin/uv"; exit 0
fi
say "could not install uv with $PY. Install uv yourself (pip install uv) and run make again."
exit 1
