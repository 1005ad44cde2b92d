#!/usr/bin/env bash
# Browser tests (dashboard, participant page) drive Debian's Chromium. Install it when it is
# missing and this machine can (root with apt); otherwise those tests skip with a reason.
# Never fails the build by itself.
set -u
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "make: installing Debian's chromium for the browser tests (one time)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
    >/tmp/cohort-chromium-install.log 2>&1 \
    || echo "make: chromium install failed (see /tmp/cohort-chromium-install.log); browser tests will skip" >&2
else
  echo "make: no /usr/bin/chromium and no root apt; browser tests will skip" >&2
fi
exit 0
