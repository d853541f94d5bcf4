#!/usr/bin/env bash
# Start to ready with PLAYERS players in the database (design §7: < 2 s with 1,000,000).
# Fills a fresh database with players who have played (profile, wallet, a ledger row this
# week, a counter), then times `diana serve` from the spawn to its first 200 on /ready,
# RUNS times, and prints each time. The database is dropped afterwards.
# Usage: benches/start_to_ready.sh   (env: PLAYERS=1000000 RUNS=5 DIANA=target/release/diana)
set -euo pipefail
cd "$(dirname "$0")/.."
PLAYERS=${PLAYERS:-1000000} RUNS=${RUNS:-5}
DIANA=${DIANA:-target/release/diana}
DB=diana_start_$$
URL="postgres://postgres@127.0.0.1:5432/$DB"
PORT=$((20000 + $$ % 10000))
trap 'psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null' EXIT
DATABASE_URL=$URL "$DIANA" migrate >/dev/null
started=$(date +%s)
psql -qh 127.0.0.1 -U postgres -d "$DB" -v players="$PLAYERS" <<'SQL'
INSERT INTO users (id, first_name, language_code, is_test)
    SELECT g, 'p' || g, 'es', false FROM generate_series(1, :players) g;
INSERT INTO user_profiles (user_id, onboarded_at) SELECT g, now() FROM generate_series(1, :players) g;
INSERT INTO user_gamification (user_id, total_points, available_points)
    SELECT g, g % 500, g % 500 FROM generate_series(1, :players) g;
INSERT INTO points_transactions (user_id, action_type, points_change, balance_after)
    SELECT g, 'daily', g % 500, g % 500 FROM generate_series(1, :players) g WHERE g % 500 > 0;
INSERT INTO user_counters (user_id, counter, value, updated_on)
    SELECT g, 'days_active', 1, current_date FROM generate_series(1, :players) g;
VACUUM ANALYZE;
SQL
echo "$PLAYERS players written in $(( $(date +%s) - started )) s"
for run in $(seq 1 "$RUNS"); do
  t0=$(date +%s.%N)
  DATABASE_URL=$URL DIANA_HTTP_ADDR=127.0.0.1:$PORT RUST_LOG=warn DIANA__REDIS__KEY_PREFIX=start_$$ \
    "$DIANA" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do sleep 0.01; done
  t1=$(date +%s.%N)
  echo "run $run: ready in $(echo "$t1 - $t0" | bc) s"
  kill -TERM $pid; wait $pid || true
done
