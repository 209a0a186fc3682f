#!/usr/bin/env bash
# The widget's browser tests drive Debian's chromium with Playwright (no browser download).
# Prints the path of a Chromium; installs Debian's package when it is missing and we may (root + apt).
set -euo pipefail
for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests (apt-get install chromium) ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
  echo /usr/bin/chromium
  exit 0
fi
cat >&2 <<'MSG'
The browser tests need Chromium and none was found.
Install Debian's package:   sudo apt-get install chromium
(or point CHROMIUM=/path/to/chromium at another Chromium build), then run `make test` again.
MSG
exit 1
