#!/usr/bin/env bash
# The raw Postgres ceiling for the transaction of one update (update.sql), with nothing of
# Diana in the way: pgbench, prepared statements, on a fresh database of PLAYERS players.
#   naive: one transaction per update, CLIENTS connections;
#   group: GROUP updates per transaction, as group commit writes them;
#   group, pipelined: the same, with the statements pipelined (no round trip waits for the
#   previous answer), as the seats of one batch send theirs over one connection.
# Usage: benches/pgbench/run.sh   (env: PLAYERS=100000 CLIENTS=8 GROUP=64 SECONDS=20)
set -euo pipefail
cd "$(dirname "$0")"
PLAYERS=${PLAYERS:-100000} CLIENTS=${CLIENTS:-8} GROUP=${GROUP:-64} SECONDS_=${SECONDS:-20}
DB=diana_pgbench_$$
URL="postgres://postgres@127.0.0.1:5432/$DB"
DIANA=${DIANA:-../../target/release/diana}
trap 'psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null' EXIT
DATABASE_URL=$URL "$DIANA" migrate >/dev/null
psql -qh 127.0.0.1 -U postgres -d "$DB" -v players="$PLAYERS" <<'SQL'
INSERT INTO users (id, first_name, language_code, is_test) SELECT g, 'p' || g, 'es', true FROM generate_series(1, :players) g;
INSERT INTO user_gamification (user_id) SELECT g FROM generate_series(1, :players) g;
VACUUM ANALYZE;
SQL
# The group script: GROUP updates, each with its own player and update id, in one transaction,
# and their replies in one outbox statement before the COMMIT, as group commit writes them.
group=$(mktemp)
{
  echo "BEGIN;"
  for i in $(seq 1 "$GROUP"); do
    sed -E -e "s/(:|set )uid/\1uid$i/g" -e "s/(:|set )upd\b/\1upd$i/g" update.sql | grep -v '^--' | grep -v '^INSERT INTO outbox'
  done
  echo "INSERT INTO outbox (chat_id, user_id, lang, reply) SELECT g, g, 'es', '{\"DailyClaimed\": {\"points\": 5}}' FROM generate_series(1, $GROUP) g;"
  echo "COMMIT;"
} > "$group"
echo "naive: one transaction per update, $CLIENTS clients"
pgbench -h 127.0.0.1 -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_" -D players="$PLAYERS" -f update.sql "$DB" \
  | grep -E "^(tps|latency average)"
echo "group: $GROUP updates per transaction, 2 clients (updates/s = tps x $GROUP)"
pgbench -h 127.0.0.1 -U postgres -n -M prepared -c 2 -j 2 -T "$SECONDS_" -D players="$PLAYERS" -f "$group" "$DB" \
  | grep -E "^(tps|latency average)"
echo "group, pipelined: $GROUP updates per transaction, 2 clients (updates/s = tps x $GROUP)"
{ echo '\startpipeline'; cat "$group"; echo '\endpipeline'; } > "$group.pipe"
pgbench -h 127.0.0.1 -U postgres -n -M prepared -c 2 -j 2 -T "$SECONDS_" -D players="$PLAYERS" -f "$group.pipe" "$DB" \
  | grep -E "^(tps|latency average)"
rm -f "$group" "$group.pipe"
