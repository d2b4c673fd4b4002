#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 runs on 3.8 to 3.10 only).
set -euo pipefail
if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  command -v python3.10
  exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.10.*/bin/python; do
    if [ -x "$p" ]; then echo "$p"; exit 0; fi
  done
fi
cat >&2 <<'MSG'
error: Python 3.10 not found (Rasa Open Source 3.6 supports Python 3.8 to 3.10 only).
Install it with one of:
  sudo apt-get install python3.10 python3.10-venv      (Debian/Ubuntu with 3.10 packaged)
  pyenv install 3.10.13                                 (any Linux, with pyenv)
then run the command again.
MSG
exit 1
