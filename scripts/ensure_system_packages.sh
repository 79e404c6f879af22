#!/usr/bin/env bash
# System packages the suite needs: Chromium for the browser journeys, GNU gettext for translations.
# Installs a missing one where it can (apt as root; Playwright's own Chromium where the internet allows),
# otherwise names the one-line fix and fails.
set -u
missing=()
need_apt=()
chromium_path=""
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then chromium_path="$candidate"; break; fi
done
[ -n "$chromium_path" ] || need_apt+=(chromium)
command -v msgfmt >/dev/null || need_apt+=(gettext)
command -v redis-server >/dev/null || need_apt+=(redis-server)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${need_apt[*]} with apt-get…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}") >/tmp/nt-apt.log 2>&1 \
      || echo "apt-get failed (see /tmp/nt-apt.log)."
  fi
fi
if ! [ -x /usr/bin/chromium ] && [ -z "$chromium_path" ]; then
  if .venv/bin/python -m playwright install chromium >/tmp/nt-playwright.log 2>&1; then
    echo "Chromium installed by Playwright."
  else
    missing+=("Chromium: sudo apt-get install -y chromium (or set CHROMIUM_PATH)")
  fi
fi
command -v msgfmt >/dev/null || missing+=("GNU gettext: sudo apt-get install -y gettext")
command -v redis-server >/dev/null || missing+=("redis-server: sudo apt-get install -y redis-server")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'Missing system package: %s\n' "${missing[@]}"
  exit 1
fi
echo "System packages present (Chromium, gettext, redis-server)."
