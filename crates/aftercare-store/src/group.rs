//! A serialized group-commit writer for short write transactions (ticket intake).
//!
//! Why: on SQLite every pooled connection that finds the write lock taken waits in
//! SQLite's busy handler, which sleeps in growing steps (1, 2, 5 … 100 ms) while newcomers
//! overtake it — a long latency tail under concurrent writers; and every commit is its own
//! fsync (`synchronous=FULL`). Here one task owns these writes: it takes the jobs queued
//! while the previous group committed, runs them back to back in ONE transaction, each in
//! its own savepoint (a failing job is rolled back alone), and commits once for the group.
//! A job's caller gets its result only after that commit: an acknowledged write is as
//! durable as with a transaction per job. The same pattern as the stock ledger's writer
//! (`stock::writer`), for jobs written as closures over the transaction.

use crate::{Db, StoreError, StoreResult, Tx, on_tx};
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Jobs run in one transaction at most (one commit, one fsync for all of them).
const MAX_GROUP: usize = 128;

/// The future a job returns; it borrows the group's transaction.
pub type JobFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// A type-erased job: runs on the transaction, reports whether it succeeded (its result
/// travels to the caller through its own channel).
type ErasedJob = Box<dyn for<'t> FnOnce(&'t mut Tx) -> JobFuture<'t, bool> + Send>;

struct Job {
    run: ErasedJob,
    /// Told once the job's writes are committed (or rolled back: `Ok` for a job that failed
    /// by itself, since its own error is what the caller must see).
    settled: oneshot::Sender<StoreResult<()>>,
}

/// Counters of a group writer, for benchmarks and metrics.
#[derive(Debug, Default)]
pub struct GroupStats {
    /// Transactions committed or attempted.
    pub groups: AtomicU64,
    /// Jobs run.
    pub jobs: AtomicU64,
    /// Jobs that failed and were rolled back to their savepoint.
    pub failed_jobs: AtomicU64,
    /// Time spent inside group transactions, in microseconds.
    pub busy_micros: AtomicU64,
    /// Of which committing (the fsync on SQLite).
    pub commit_micros: AtomicU64,
}

/// A handle on a group writer; cheap to clone. The writer stops when every handle is
/// dropped.
#[derive(Clone)]
pub struct GroupWriter {
    jobs: mpsc::Sender<Job>,
    stats: Arc<GroupStats>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter")
            .field("stats", &self.stats)
            .finish()
    }
}

fn stopped() -> StoreError {
    StoreError::Database("the group writer has stopped".into())
}

fn micros(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

impl GroupWriter {
    /// Start a writer on `db` (see `dedicated` for where it runs).
    pub fn start(db: Db) -> GroupWriter {
        let (jobs, rx) = mpsc::channel(4096);
        let stats = Arc::new(GroupStats::default());
        crate::dedicated::spawn_writer(&db, run(db.clone(), rx, stats.clone()));
        GroupWriter { jobs, stats }
    }

    /// The writer's counters.
    pub fn stats(&self) -> &GroupStats {
        &self.stats
    }

    /// Run `job` in the writer's next group transaction and return its result once the
    /// group is committed. An `Err` from the job rolls back only the job's own writes; a
    /// failed commit fails every job of the group (none of them is acknowledged).
    pub async fn write<T, E, F>(&self, job: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> JobFuture<'t, Result<T, E>> + Send + 'static,
    {
        let (result_tx, result_rx) = oneshot::channel::<Result<T, E>>();
        let run: ErasedJob = Box::new(move |tx: &mut Tx| -> JobFuture<'_, bool> {
            Box::pin(async move {
                let r = job(tx).await;
                let ok = r.is_ok();
                let _ = result_tx.send(r);
                ok
            })
        });
        let (settled, settled_rx) = oneshot::channel();
        self.jobs
            .send(Job { run, settled })
            .await
            .map_err(|_| E::from(stopped()))?;
        settled_rx.await.map_err(|_| E::from(stopped()))??;
        result_rx.await.map_err(|_| {
            E::from(StoreError::Database(
                "a group writer job stopped without a result (it panicked)".into(),
            ))
        })?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>, stats: Arc<GroupStats>) {
    while let Some(first) = rx.recv().await {
        let started = std::time::Instant::now();
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        stats.groups.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(jobs.len() as u64, Ordering::Relaxed);
        group(&db, jobs, &stats).await;
        stats
            .busy_micros
            .fetch_add(micros(started), Ordering::Relaxed);
    }
}

async fn exec(tx: &mut Tx, sql: &'static str) -> StoreResult<()> {
    on_tx!(tx, |c| sqlx::query(sql).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Run one group: every job in its savepoint, one commit; then tell each caller.
async fn group(db: &Db, jobs: Vec<Job>, stats: &GroupStats) {
    let mut tx = match db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => {
            let msg = e.to_string();
            for job in jobs {
                let _ = job.settled.send(Err(StoreError::Database(msg.clone())));
            }
            return;
        }
    };
    // Jobs whose writes wait for the commit.
    let mut pending: Vec<oneshot::Sender<StoreResult<()>>> = Vec::with_capacity(jobs.len());
    let mut broken: Option<String> = None;
    let mut rest = jobs.into_iter();
    for job in rest.by_ref() {
        if let Err(e) = exec(&mut tx, "SAVEPOINT group_job").await {
            broken = Some(e.to_string());
            let _ = job.settled.send(Err(e));
            break;
        }
        let ok = AssertUnwindSafe((job.run)(&mut tx))
            .catch_unwind()
            .await
            .unwrap_or(false);
        let closed = if ok {
            exec(&mut tx, "RELEASE SAVEPOINT group_job").await
        } else {
            stats.failed_jobs.fetch_add(1, Ordering::Relaxed);
            match exec(&mut tx, "ROLLBACK TO SAVEPOINT group_job").await {
                Ok(()) => exec(&mut tx, "RELEASE SAVEPOINT group_job").await,
                Err(e) => Err(e),
            }
        };
        match closed {
            Ok(()) if ok => pending.push(job.settled),
            // The job failed by itself and its writes are undone: its own error stands.
            Ok(()) => {
                let _ = job.settled.send(Ok(()));
            }
            Err(e) => {
                broken = Some(e.to_string());
                let _ = job.settled.send(Err(e));
                break;
            }
        }
    }
    let outcome = match broken {
        // Dropping the transaction rolls everything back.
        Some(msg) => Err(msg),
        None => {
            let commit_started = std::time::Instant::now();
            let r = tx.commit().await.map_err(|e| e.to_string());
            stats
                .commit_micros
                .fetch_add(micros(commit_started), Ordering::Relaxed);
            r
        }
    };
    for settled in pending {
        let _ = settled.send(outcome.clone().map_err(StoreError::Database));
    }
    // Jobs never started because the group broke: not written, say so.
    for job in rest {
        let _ = job.settled.send(Err(StoreError::Database(
            outcome
                .clone()
                .err()
                .unwrap_or_else(|| "the group transaction failed".into()),
        )));
    }
}
