#!/usr/bin/env bash
# The fake Stripe server beside web, worker and beat under `make run` (Procfile; README "Payments"):
# localstripe at STRIPE_API_BASE (http://127.0.0.1:8420 unless set), its webhooks sent to our web
# process at WEB_PORT, signed with STRIPE_WEBHOOK_SECRET. Its data starts empty on every start.
set -euo pipefail
if [ -n "${STRIPE_SECRET_KEY:-}" ]; then
  # Stripe itself is configured: no fake server (honcho stops everything when one process ends).
  echo "STRIPE_SECRET_KEY is set: payments go to Stripe, localstripe is not started."
  exec tail -f /dev/null
fi
base="${STRIPE_API_BASE:-http://127.0.0.1:8420}"
port="${base##*:}"
.venv/bin/localstripe --port "${port%/}" --from-scratch &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
.venv/bin/python manage.py localstripe_webhooks --site-url "http://127.0.0.1:${WEB_PORT:-8000}"
wait "$server"
