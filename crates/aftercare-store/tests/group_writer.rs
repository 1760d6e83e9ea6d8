//! The group-commit writer: concurrent jobs share transactions without losing or
//! duplicating a write, a failing (or panicking) job is rolled back alone while the rest of
//! its group commits, and a result is handed back only once committed. On SQLite, and on
//! PostgreSQL when `AFTERCARE_TEST_POSTGRES_URL` is set.

use aftercare_store::group::{GroupWriter, JobFuture};
use aftercare_store::testing::each_backend;
use aftercare_store::tickets::next_sequence;
use aftercare_store::{Db, StoreError, Tx, on_db, on_tx};
use chrono::NaiveDate;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

async fn last_of(db: &Db, d: NaiveDate) -> Option<i64> {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "SELECT last FROM ticket_sequences WHERE day = $1"
    )
    .bind(d.to_string())
    .fetch_optional(p)
    .await)
    .unwrap()
}

/// A job taking the next number of `d`.
fn take(
    d: NaiveDate,
) -> impl for<'t> FnOnce(&'t mut Tx) -> JobFuture<'t, Result<u32, StoreError>> + Send + 'static {
    move |tx: &mut Tx| -> JobFuture<'_, Result<u32, StoreError>> {
        Box::pin(async move { next_sequence(tx, d).await })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_jobs_are_grouped_and_each_number_is_given_once() {
    for t in each_backend().await.unwrap() {
        let w = GroupWriter::start(t.db.clone());
        let mut handles = Vec::new();
        for _ in 0..300 {
            let w = w.clone();
            handles.push(tokio::spawn(async move { w.write(take(day(1))).await }));
        }
        let mut got = Vec::new();
        for h in handles {
            let n = h.await.unwrap().unwrap();
            // Acknowledged means committed: another connection sees at least this number.
            assert!(
                last_of(&t.db, day(1)).await.unwrap() >= i64::from(n),
                "{}",
                t.label
            );
            got.push(n);
        }
        got.sort_unstable();
        assert_eq!(got, (1..=300).collect::<Vec<u32>>(), "{}", t.label);
        let s = w.stats();
        assert_eq!(s.jobs.load(Ordering::Relaxed), 300, "{}", t.label);
        assert!(
            s.groups.load(Ordering::Relaxed) < 300,
            "{}: 300 concurrent jobs should share commits, got {} groups",
            t.label,
            s.groups.load(Ordering::Relaxed)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_job_is_rolled_back_alone_and_its_group_commits() {
    for t in each_backend().await.unwrap() {
        let w = GroupWriter::start(t.db.clone());
        // Hold the writer in a first group until the next jobs are queued, so that the
        // failing job and the good ones run in one group transaction.
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let blocker = {
            let w = w.clone();
            tokio::spawn(async move {
                w.write(
                    move |tx: &mut Tx| -> JobFuture<'_, Result<u32, StoreError>> {
                        Box::pin(async move {
                            let _ = held.await;
                            next_sequence(tx, day(2)).await
                        })
                    },
                )
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = w.stats().groups.load(Ordering::Relaxed);
        // Writes, then fails on a database error (a duplicate key): on PostgreSQL this
        // aborts the transaction unless the job's savepoint is rolled back.
        let failing = {
            let w = w.clone();
            tokio::spawn(async move {
                w.write(|tx: &mut Tx| -> JobFuture<'_, Result<u32, StoreError>> {
                    Box::pin(async move {
                        next_sequence(tx, day(3)).await?;
                        on_tx!(tx, |c| sqlx::query(
                            "INSERT INTO ticket_sequences (day, last) VALUES ('2026-12-03', 9)"
                        )
                        .execute(c)
                        .await
                        .map(|_| ()))?;
                        Ok(0)
                    })
                })
                .await
            })
        };
        let panicking = {
            let w = w.clone();
            tokio::spawn(async move {
                w.write(|tx: &mut Tx| -> JobFuture<'_, Result<u32, StoreError>> {
                    Box::pin(async move {
                        next_sequence(tx, day(5)).await?;
                        panic!("job bug");
                    })
                })
                .await
            })
        };
        let good = {
            let w = w.clone();
            tokio::spawn(async move { w.write(take(day(4))).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        release.send(()).unwrap();
        assert_eq!(blocker.await.unwrap().unwrap(), 1, "{}", t.label);
        let err = failing.await.unwrap().unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{}: {err}", t.label);
        let err = panicking.await.unwrap().unwrap_err().to_string();
        assert!(err.contains("panicked"), "{}: {err}", t.label);
        assert_eq!(good.await.unwrap().unwrap(), 1, "{}", t.label);
        // The failing and panicking jobs' first writes are gone; the good job's stays.
        assert_eq!(last_of(&t.db, day(3)).await, None, "{}", t.label);
        assert_eq!(last_of(&t.db, day(5)).await, None, "{}", t.label);
        assert_eq!(last_of(&t.db, day(4)).await, Some(1), "{}", t.label);
        let s = w.stats();
        assert_eq!(s.failed_jobs.load(Ordering::Relaxed), 2, "{}", t.label);
        assert_eq!(
            s.groups.load(Ordering::Relaxed) - before,
            1,
            "{}: the three queued jobs ran in one group",
            t.label
        );
        // The writer goes on after a failed job.
        assert_eq!(w.write(take(day(3))).await.unwrap(), 1, "{}", t.label);
    }
}
