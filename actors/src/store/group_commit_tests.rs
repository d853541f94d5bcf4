//! Group commit against real Postgres: who shares a transaction, when effects become visible,
//! and what one failure does to the others.

use super::*;
use crate::store::test_db::TestDb;

/// Batches that take seats for this long: on a loaded machine, handing out the first seat's
/// connection can take longer than `MAX_OPEN`, and the seats of a test would not share.
const PATIENT: Duration = Duration::from_secs(60);

/// Each seat: its transaction id, and a row written through the seat.
async fn write(seat: &Seat, n: i64) -> Result<i64, StoreError> {
    let tx = seat.transaction();
    let txid: i64 = tx.query_one("SELECT txid_current()", &[]).await?.get(0);
    tx.execute("INSERT INTO processed_updates (update_id, user_id, outcome) VALUES ($1, NULL, 'test')", &[&n]).await?;
    Ok(txid)
}

async fn kept(pool: &Pool) -> i64 {
    let conn = pool.get().await.unwrap();
    conn.query_one("SELECT count(*) FROM processed_updates WHERE outcome = 'test'", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn seats_arriving_together_share_one_transaction_and_nothing_shows_before_the_last_is_done() {
    let (db, pool) = TestDb::create().await;
    let commits = GroupCommit::new(pool.clone(), 1, 64).with_max_open(PATIENT);
    let seats = futures::future::try_join_all((0..10).map(|_| commits.seat(0))).await.unwrap();
    let mut txids = Vec::new();
    for (n, seat) in seats.iter().enumerate() {
        txids.push(write(seat, n as i64).await.unwrap());
    }
    txids.dedup();
    assert_eq!(txids.len(), 1, "all ten wrote in one transaction");

    let mut seats = seats.into_iter();
    let last = seats.next().unwrap();
    // Nine are done and waiting; the tenth still writes, so nothing is committed yet.
    let waiting: Vec<_> = seats.map(|s| tokio::spawn(s.commit())).collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(waiting.iter().all(|w| !w.is_finished()), "no seat is answered before the commit");
    assert_eq!(kept(&pool).await, 0, "nothing is visible before the commit");

    last.commit().await.unwrap();
    for w in waiting {
        w.await.unwrap().unwrap();
    }
    assert_eq!(kept(&pool).await, 10);
    drop(commits);
    db.drop_now().await;
}

#[tokio::test]
async fn one_failure_rolls_the_batch_back_and_tells_the_others_it_was_not_their_fault() {
    let (db, pool) = TestDb::create().await;
    let commits = GroupCommit::new(pool.clone(), 1, 64).with_max_open(PATIENT);
    let (a, b, c) = (commits.seat(0).await.unwrap(), commits.seat(0).await.unwrap(), commits.seat(0).await.unwrap());
    write(&a, 1).await.unwrap();
    // The same key again: a unique violation aborts the shared transaction.
    let failed = write(&b, 1).await.unwrap_err();
    assert!(!failed.is_group_abort(), "the culprit sees its own error: {failed:?}");
    let refused = write(&c, 3).await.unwrap_err();
    assert!(refused.is_group_abort(), "a statement after the failure is refused as a group abort: {refused:?}");
    drop(b);
    // The failed seat poisoned the batch: a newcomer gets a fresh one rather than a doomed seat.
    let newcomer = commits.seat(0).await.unwrap();
    write(&newcomer, 4).await.unwrap();
    newcomer.commit().await.unwrap();
    drop(c);
    let a = a.commit().await.unwrap_err();
    assert!(a.is_group_abort(), "the innocent seat learns its batch rolled back: {a:?}");
    assert_eq!(kept(&pool).await, 1, "nothing of the batch is kept; the newcomer's own batch is");

    // Alone, the innocent updates apply.
    for n in [1, 3] {
        let seat = commits.solo().await.unwrap();
        write(&seat, n).await.unwrap();
        seat.commit().await.unwrap();
    }
    assert_eq!(kept(&pool).await, 3);
    // Every ended batch gave its connection back, though the lane is idle.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let status = pool.status();
    assert_eq!(status.size, status.available, "no connection is held by an ended batch: {status:?}");
    drop(commits);
    db.drop_now().await;
}

#[tokio::test]
async fn with_a_group_of_one_every_update_commits_alone_and_a_full_batch_opens_another() {
    let (db, pool) = TestDb::create().await;
    let naive = GroupCommit::new(pool.clone(), 1, 1);
    let (a, b) = (naive.seat(0).await.unwrap(), naive.seat(0).await.unwrap());
    assert_ne!(write(&a, 1).await.unwrap(), write(&b, 2).await.unwrap(), "one transaction each");
    a.commit().await.unwrap();
    b.commit().await.unwrap();

    let grouped = GroupCommit::new(pool.clone(), 1, 2).with_max_open(PATIENT);
    let seats = futures::future::try_join_all((0..3).map(|_| grouped.seat(0))).await.unwrap();
    let mut txids = Vec::new();
    for (n, seat) in seats.iter().enumerate() {
        txids.push(write(seat, 10 + n as i64).await.unwrap());
    }
    assert_eq!(txids[0], txids[1], "the first two share");
    assert_ne!(txids[1], txids[2], "the third found the batch full");
    futures::future::try_join_all(seats.into_iter().map(Seat::commit)).await.unwrap();
    assert_eq!(kept(&pool).await, 5);
    drop((naive, grouped));
    db.drop_now().await;
}

fn reply_to(chat_id: i64) -> Pending {
    Pending { chat_id, user_id: None, lang: crate::domain::Lang::Es, reply: crate::domain::Reply::SlowDown }
}

async fn outbox_chats(pool: &Pool) -> Vec<(i64, i64)> {
    let conn = pool.get().await.unwrap();
    let rows = conn.query("SELECT id, chat_id FROM outbox ORDER BY id", &[]).await.unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

#[tokio::test]
async fn the_replies_of_a_batch_are_written_with_it_and_each_seat_gets_its_own_back() {
    let (db, pool) = TestDb::create().await;
    let commits = GroupCommit::new(pool.clone(), 1, 64).with_max_open(PATIENT);
    let seats = futures::future::try_join_all((0..3).map(|_| commits.seat(0))).await.unwrap();
    let asked = [vec![reply_to(10), reply_to(11)], vec![], vec![reply_to(30)]];
    let answers =
        futures::future::try_join_all(seats.into_iter().zip(asked).map(|(s, r)| s.commit_with(r))).await.unwrap();
    let chats: Vec<Vec<i64>> = answers.iter().map(|a| a.iter().map(|o| o.chat_id).collect()).collect();
    assert_eq!(chats, vec![vec![10, 11], vec![], vec![30]], "each seat gets exactly its own replies, in order");
    let stored = outbox_chats(&pool).await;
    let handed: Vec<(i64, i64)> = answers.iter().flatten().map(|o| (o.id, o.chat_id)).collect();
    assert_eq!(stored, handed, "the ids handed back are the rows committed");

    // A batch that rolls back writes none of its replies.
    let (a, b) = (commits.seat(0).await.unwrap(), commits.seat(0).await.unwrap());
    drop(b);
    assert!(a.commit_with(vec![reply_to(40)]).await.unwrap_err().is_group_abort());
    assert_eq!(outbox_chats(&pool).await, stored, "nothing of the rolled-back batch is in the outbox");
    drop(commits);
    db.drop_now().await;
}

#[tokio::test]
async fn a_failed_outbox_write_rolls_the_batch_back_and_leaves_no_lock_behind() {
    let (db, pool) = TestDb::create().await;
    let refuse = "ALTER TABLE outbox ADD CONSTRAINT refuses_chat_13 CHECK (chat_id <> 13)";
    pool.get().await.unwrap().batch_execute(refuse).await.unwrap();
    let commits = GroupCommit::new(pool.clone(), 1, 64).with_max_open(PATIENT);
    let (a, b) = (commits.seat(0).await.unwrap(), commits.seat(0).await.unwrap());
    write(&a, 1).await.unwrap();
    write(&b, 2).await.unwrap();
    // The batch's one outbox statement fails for b's reply, after both seats were done.
    let (a, b) = tokio::join!(a.commit_with(vec![reply_to(12)]), b.commit_with(vec![reply_to(13)]));
    assert!(a.unwrap_err().is_group_abort());
    assert!(b.unwrap_err().is_group_abort());
    assert_eq!(kept(&pool).await, 0);
    assert_eq!(outbox_chats(&pool).await, vec![]);
    // Alone, the same update applies at once: the failed batch holds no lock and no connection
    // went back to the pool inside its transaction.
    let seat = commits.solo().await.unwrap();
    let written = tokio::time::timeout(Duration::from_secs(10), write(&seat, 1)).await;
    written.expect("not blocked by the failed batch's locks").unwrap();
    seat.commit().await.unwrap();
    assert_eq!(kept(&pool).await, 1);
    drop(commits);
    db.drop_now().await;
}
