//! After the run, the database must show that the load changed nothing it should not have:
//! every update the server took was applied exactly once, the besitos ledger adds up, and no
//! player's latest activity was left unsaved.

use std::collections::HashSet;
use std::time::SystemTime;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// A fault planted on purpose before the checks, to show they catch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// One taken update loses its record, as if it had never been applied.
    LostUpdate,
    /// One ledger row is written twice, as if an update had been applied twice.
    DuplicateEffect,
    /// One player's latest activity is taken back, as if their actor had not saved.
    UnsavedState,
}

impl Fault {
    pub fn parse(text: &str) -> Result<Fault, String> {
        match text {
            "lost-update" => Ok(Fault::LostUpdate),
            "duplicate-effect" => Ok(Fault::DuplicateEffect),
            "unsaved-state" => Ok(Fault::UnsavedState),
            other => Err(format!("`{other}`: the faults are lost-update, duplicate-effect and unsaved-state")),
        }
    }
}

async fn connect(database_url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The first update id after every one the database has seen.
pub async fn next_update_id(database_url: &str) -> anyhow::Result<i64> {
    let db = connect(database_url).await?;
    Ok(db.query_one("SELECT coalesce(max(update_id), 0) + 1 FROM processed_updates", &[]).await?.get(0))
}

pub async fn plant(database_url: &str, fault: Fault, first_update_id: i64) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    let changed = match fault {
        Fault::LostUpdate => {
            db.execute(
                "DELETE FROM processed_updates WHERE update_id = (SELECT min(update_id) FROM processed_updates
                  WHERE update_id >= $1)",
                &[&first_update_id],
            )
            .await?
        }
        Fault::DuplicateEffect => {
            db.execute(
                "INSERT INTO points_transactions (user_id, action_type, points_change, balance_after, context)
                 SELECT user_id, action_type, points_change, balance_after, context FROM points_transactions
                  WHERE points_change > 0 ORDER BY id LIMIT 1",
                &[],
            )
            .await?
        }
        Fault::UnsavedState => {
            db.execute(
                "UPDATE users SET last_seen_at = last_seen_at - interval '1 hour'
                  WHERE id = (SELECT min(id) FROM users WHERE id >= $1)",
                &[&diana_actors::store::analytics::LOADTEST_FIRST_ID],
            )
            .await?
        }
    };
    anyhow::ensure!(changed == 1, "the planted fault found nothing to change");
    Ok(())
}

/// The checks. `sent` updates were sent from `first_update_id` on; `taken[i]` says whether
/// the server took update `first_update_id + i`; `players` gives each simulated player's id
/// and when they sent their latest update the server took (`None`: none); with `stopped`, the server
/// has shut down, so every actor must have saved.
pub async fn verify(
    database_url: &str,
    first_update_id: i64,
    sent: u64,
    taken: &[bool],
    players: &[(i64, Option<SystemTime>)],
    stopped: bool,
) -> anyhow::Result<Vec<Check>> {
    let db = connect(database_url).await?;
    let mut checks = Vec::new();

    let last = first_update_id + sent as i64;
    let rows = db
        .query(
            "SELECT update_id FROM processed_updates WHERE update_id >= $1 AND update_id < $2",
            &[&first_update_id, &last],
        )
        .await?;
    let processed: HashSet<i64> = rows.iter().map(|r| r.get(0)).collect();
    let handed: Vec<i64> =
        taken.iter().enumerate().filter(|(_, t)| **t).map(|(i, _)| first_update_id + i as i64).collect();
    let lost: Vec<i64> = handed.iter().copied().filter(|id| !processed.contains(id)).take(5).collect();
    let lost_count = handed.iter().filter(|id| !processed.contains(id)).count();
    checks.push(Check {
        name: "no update the server took was lost",
        ok: lost_count == 0 && processed.len() as u64 <= sent,
        detail: format!(
            "{sent} sent, {} taken, {} recorded as processed (at most once each: the update id is the key, and a second application would show in the ledger); {lost_count} taken but never applied{}",
            handed.len(),
            processed.len(),
            if lost.is_empty() { String::new() } else { format!(", e.g. {lost:?}") }
        ),
    });

    let ledger = db
        .query_one(
            "SELECT
               (SELECT count(*) FROM user_gamification g WHERE g.available_points <>
                  coalesce((SELECT sum(points_change) FROM points_transactions t WHERE t.user_id = g.user_id), 0)),
               (SELECT count(*) FROM (SELECT balance_after, sum(points_change) OVER (PARTITION BY user_id ORDER BY id) AS run
                                        FROM points_transactions) x WHERE balance_after <> run),
               (SELECT count(*) FROM user_gamification WHERE available_points < 0),
               (SELECT count(*) FROM points_transactions)",
            &[],
        )
        .await?;
    let (balances, running, negative, rows): (i64, i64, i64, i64) =
        (ledger.get(0), ledger.get(1), ledger.get(2), ledger.get(3));
    checks.push(Check {
        name: "the ledger invariant holds",
        ok: balances == 0 && running == 0 && negative == 0,
        detail: format!(
            "{rows} ledger rows; {balances} balances differ from their rows' sum, {running} rows break the running sum, {negative} balances below zero"
        ),
    });

    if stopped {
        let (ids, times): (Vec<i64>, Vec<SystemTime>) =
            players.iter().filter_map(|(id, at)| Some((*id, (*at)?))).unzip();
        let stale: i64 = db
            .query_one(
                "SELECT count(*) FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[]) AS t(id, at)
                   JOIN users u ON u.id = t.id
                  WHERE u.last_seen_at < t.at - interval '2 seconds'",
                &[&ids, &times],
            )
            .await?
            .get(0);
        let registered: i64 = db.query_one("SELECT count(*) FROM users WHERE id = ANY($1)", &[&ids]).await?.get(0);
        checks.push(Check {
            name: "no player is left with unsaved state",
            ok: stale == 0,
            detail: format!(
                "{registered} players registered; {stale} with their latest activity unsaved after the server stopped"
            ),
        });
    }
    Ok(checks)
}
