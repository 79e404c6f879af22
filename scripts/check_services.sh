#!/usr/bin/env bash
# Before the suite: are the Postgres and Redis it needs answering? Say how to start them if not.
set -u
db_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/nurturing_touch}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
ok=1
if ! .venv/bin/python - "$db_url" <<'PY' 2>/dev/null
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
                dbname="postgres", connect_timeout=3).close()
PY
then
  echo "Postgres does not answer at ${db_url%%/*}//${db_url#*@}. Start it: docker compose up -d postgres (then export DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/nurturing_touch), or your local server."
  ok=0
fi
if ! .venv/bin/python - "$redis_url" <<'PY' 2>/dev/null
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()
PY
then
  echo "Redis does not answer at $redis_url. Start it: docker compose up -d redis, or redis-server --daemonize yes."
  ok=0
fi
command -v redis-server >/dev/null || { echo "redis-server is needed by the fault tests: apt-get install -y redis-server"; ok=0; }
[ "$ok" = 1 ] || exit 1
echo "Postgres and Redis answer."
