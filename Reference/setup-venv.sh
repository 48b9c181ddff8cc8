#!/usr/bin/env bash
# Makes the twin's Python environment (torch, CPU build, and numpy) in $1, unless it
# is there already. Exit code 3: Python or torch cannot be installed on this machine
# (CI then skips the twin and says so); any other failure is an error.
set -uo pipefail
venv=${1:?usage: setup-venv.sh FOLDER}
python="$venv/bin/python"
if [ -x "$python" ] && "$python" -c "import torch, numpy" 2>/dev/null; then exit 0; fi
if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
  echo "twin-venv: needs python3 with venv (apt-get install python3-venv)" >&2
  exit 3
fi
echo "twin-venv: making $venv with torch (CPU build) and numpy"
python3 -m venv "$venv" || exit 3
here=$(cd "$(dirname "$0")" && pwd)
pip="$python -m pip install -q --disable-pip-version-check"
# The pinned CPU wheel (a local copy where pip's configuration offers one), else the
# CPU build from PyTorch's own index.
if ! $pip -r "$here/requirements.txt" 2>/dev/null \
  && ! $pip torch numpy --index-url https://download.pytorch.org/whl/cpu; then
  echo "twin-venv: could not install torch; see Reference/README.md" >&2
  rm -rf "$venv"
  exit 3
fi
"$python" -c "import torch, numpy" || exit 1
