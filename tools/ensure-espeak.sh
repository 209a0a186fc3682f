#!/usr/bin/env bash
# "Read aloud" speaks with espeak-ng (Debian package, voices for all twelve languages, nothing downloaded
# at run time). Installs it when missing and we may (root + apt); otherwise says what to install.
set -euo pipefail
command -v espeak-ng >/dev/null && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's espeak-ng for read aloud (apt-get install espeak-ng) ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends espeak-ng >&2; }
  exit 0
fi
echo "Read aloud needs espeak-ng and it is not installed: sudo apt-get install espeak-ng" >&2
exit 1
