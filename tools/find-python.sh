#!/usr/bin/env sh
# Print the path of a working Python 3.10 interpreter: first on PATH, then from pyenv.
# Rasa Open Source 3.6 installs only on Python 3.8-3.10.
set -u
works() { "$@" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

for candidate in python3.10 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if works "$path"; then echo "$path"; exit 0; fi
done

if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in $(ls -d "$root"/versions/3.10* 2>/dev/null | sort -rV); do
    if works "$dir/bin/python3.10"; then echo "$dir/bin/python3.10"; exit 0; fi
  done
fi

cat >&2 <<'MSG'
No Python 3.10 found. Rasa Open Source 3.6 needs Python 3.10 (3.11 and newer do not work).
Install one of these, then run the command again:
  - Debian/Ubuntu:  sudo apt install python3.10 python3.10-venv
  - pyenv:          pyenv install 3.10.13
  - macOS (Homebrew): brew install python@3.10
MSG
exit 1
