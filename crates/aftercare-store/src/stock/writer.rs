//! The group-commit ledger writer.

use super::fence::fenced_reason;
use super::load::{LedgerRow, ledger_row, load_book, load_master};
use super::persist::{GroupRecord, persist};
use crate::{Db, StoreError, StoreResult, Tx, on_tx};
use aftercare_domain::stock::{Book, Command, IdempotencyKey, IssuePolicy, Outcome, StockError};
use aftercare_domain::{Instant, UserId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Commands applied per transaction at most (one commit, one fsync for all of them).
const MAX_GROUP: usize = 256;

/// One command for the ledger, with who sent it and its Idempotency-Key.
#[derive(Debug, Clone)]
pub struct LedgerRequest {
    /// The command.
    pub command: Command,
    /// The caller's Idempotency-Key.
    pub key: Option<IdempotencyKey>,
    /// The acting user (`None`: the command line).
    pub actor_id: Option<UserId>,
    /// The acting login, for the audit log.
    pub actor_login: String,
    /// The HTTP request id, for the audit log.
    pub request_id: Option<String>,
    /// When the command is applied (movement time).
    pub now: Instant,
}

/// A command's result once committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// The outcome (for a retried key: the first call's outcome).
    pub outcome: Outcome,
    /// Whether this is a retried key answered from the stored first result.
    pub replayed: bool,
}

type Reply = StoreResult<Result<Executed, StockError>>;

struct Job {
    req: LedgerRequest,
    reply: oneshot::Sender<Reply>,
}

/// A handle on the ledger writer; cheap to clone. The writer stops when every handle is
/// dropped.
#[derive(Clone)]
pub struct Ledger {
    jobs: mpsc::Sender<Job>,
    stats: std::sync::Arc<Stats>,
}

/// Counters of the writer, for benchmarks and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    /// Transactions committed or attempted.
    pub groups: AtomicU64,
    /// Commands handled.
    pub commands: AtomicU64,
    /// Time spent inside group transactions, in microseconds.
    pub busy_micros: AtomicU64,
    /// Of which running commands through the in-memory book.
    pub book_micros: AtomicU64,
    /// Of which committing (the fsync on SQLite).
    pub commit_micros: AtomicU64,
}

fn add_micros(counter: &AtomicU64, since: std::time::Instant) {
    counter.fetch_add(
        u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

impl Ledger {
    /// Start a writer on `db`: loads the book from the tables and waits for commands.
    pub async fn start(db: Db, policy: IssuePolicy) -> StoreResult<Ledger> {
        let mut state = State {
            db,
            policy,
            book: None,
            row: None,
        };
        // Load eagerly so a broken database is reported at start, not on the first call.
        let mut tx = state.db.begin_write().await?;
        state.ensure_loaded(&mut tx, Instant(0)).await?;
        tx.commit().await?;
        let (jobs, rx) = mpsc::channel(4096);
        let stats = std::sync::Arc::new(Stats::default());
        let db = state.db.clone();
        crate::dedicated::spawn_writer(&db, run(state, rx, stats.clone()));
        Ok(Ledger { jobs, stats })
    }

    /// The writer's counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Apply one command; answers once it is committed (or refused).
    pub async fn execute(&self, req: LedgerRequest) -> Reply {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job { req, reply })
            .await
            .map_err(|_| StoreError::Database("the ledger writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Database("the ledger writer has stopped".into()))?
    }

    /// Apply many commands in order (grouped into as few transactions as possible).
    pub async fn execute_all(&self, reqs: Vec<LedgerRequest>) -> StoreResult<Vec<Reply>> {
        let mut waits = Vec::with_capacity(reqs.len());
        for req in reqs {
            let (reply, rx) = oneshot::channel();
            self.jobs
                .send(Job { req, reply })
                .await
                .map_err(|_| StoreError::Database("the ledger writer has stopped".into()))?;
            waits.push(rx);
        }
        let mut out = Vec::with_capacity(waits.len());
        for w in waits {
            out.push(
                w.await
                    .map_err(|_| StoreError::Database("the ledger writer has stopped".into()))?,
            );
        }
        Ok(out)
    }
}

struct State {
    db: Db,
    policy: IssuePolicy,
    /// `None` after a failed write: the next group reloads from the tables.
    book: Option<Book>,
    /// The ledger row as this writer last wrote it.
    row: Option<LedgerRow>,
}

impl State {
    /// Claim the ledger for one group: bump the version and make sure the book is what the
    /// tables hold (reload if another writer wrote, or the master data changed).
    async fn ensure_loaded(&mut self, tx: &mut Tx, now: Instant) -> StoreResult<()> {
        let current = ledger_row(tx, now).await?;
        self.load_for(tx, current).await
    }

    /// Make sure the book is what the tables hold, given the ledger row just read.
    async fn load_for(&mut self, tx: &mut Tx, current: LedgerRow) -> StoreResult<()> {
        let fresh = self.book.is_some() && self.row.is_some_and(|r| r.version == current.version);
        if !fresh {
            self.book = Some(load_book(tx, self.policy, current.next_id).await?);
        } else if self
            .row
            .is_some_and(|r| r.master_version != current.master_version)
            && let Some(book) = self.book.as_mut()
        {
            load_master(tx, book).await?;
        }
        self.row = Some(current);
        Ok(())
    }
}

async fn run(mut state: State, mut rx: mpsc::Receiver<Job>, stats: std::sync::Arc<Stats>) {
    while let Some(first) = rx.recv().await {
        let started = std::time::Instant::now();
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let reqs: Vec<&LedgerRequest> = jobs.iter().map(|j| &j.req).collect();
        stats.groups.fetch_add(1, Ordering::Relaxed);
        stats
            .commands
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
        let result = group(&mut state, &reqs, &stats).await;
        stats.busy_micros.fetch_add(
            u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        match result {
            Ok(results) => {
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(e) => {
                // The book may hold changes that were not committed: forget it, and give
                // each command its own transaction so one bad command cannot sink the rest.
                // This is also where a key fenced after the group read its keys lands (on
                // PostgreSQL the key's insert then fails): the command's own retry reads
                // the fence and is refused, nothing of the group having been committed.
                tracing::warn!(error = %e, commands = jobs.len(), "ledger group failed; retrying one by one");
                state.book = None;
                for job in jobs {
                    let r = group(&mut state, &[&job.req], &stats).await;
                    if r.is_err() {
                        state.book = None;
                    }
                    let _ = job.reply.send(r.map(|mut v| v.remove(0)));
                }
            }
        }
    }
}

/// Apply a group of commands in one transaction.
async fn group(
    state: &mut State,
    reqs: &[&LedgerRequest],
    stats: &Stats,
) -> StoreResult<Vec<Result<Executed, StockError>>> {
    let now = reqs.first().map_or(Instant(0), |r| r.now);
    let mut tx = state.db.begin_write().await?;
    let (current, stored) = claim(&mut tx, now, reqs).await?;
    state.load_for(&mut tx, current).await?;
    let Some(book) = state.book.as_mut() else {
        return Err(StoreError::Database("ledger book not loaded".into()));
    };
    let mut seen: HashMap<String, (String, Outcome)> = HashMap::new();
    let mut rec = GroupRecord {
        actors: HashMap::new(),
        keys: Vec::new(),
        audits: Vec::new(),
        now: now.millis(),
    };
    let mut results = Vec::with_capacity(reqs.len());
    let book_started = std::time::Instant::now();
    for req in reqs {
        let command_json = serde_json::to_string(&req.command)
            .map_err(|e| StoreError::Database(format!("cannot encode command: {e}")))?;
        if let Some(key) = &req.key {
            let first = match stored.get(key.as_str()) {
                Some(Stored::Fenced(why)) => {
                    results.push(Err(StockError::KeyFenced(why.clone())));
                    continue;
                }
                Some(Stored::Applied(json, outcome)) => Some((json.clone(), outcome.clone())),
                None => None,
            };
            if let Some((first_json, outcome)) = seen.get(key.as_str()).cloned().or(first) {
                results.push(if first_json == command_json {
                    Ok(Executed {
                        outcome,
                        replayed: true,
                    })
                } else {
                    Err(StockError::IdempotencyKeyReused)
                });
                continue;
            }
        }
        match book.execute(None, req.command.clone(), req.now) {
            Ok(outcome) => {
                for m in &outcome.movements {
                    rec.actors.insert(*m, req.actor_id);
                }
                let outcome_json = serde_json::to_string(&outcome)
                    .map_err(|e| StoreError::Database(format!("cannot encode outcome: {e}")))?;
                if let Some(key) = &req.key {
                    seen.insert(
                        key.as_str().to_string(),
                        (command_json.clone(), outcome.clone()),
                    );
                    rec.keys.push((
                        key.as_str().to_string(),
                        req.actor_id,
                        command_json.clone(),
                        outcome_json.clone(),
                    ));
                }
                let object = outcome
                    .movements
                    .first()
                    .map(|m| format!("movement:{m}"))
                    .or_else(|| outcome.created.map(|c| format!("{c:?}")))
                    .unwrap_or_default();
                rec.audits.push((
                    req.actor_id,
                    req.actor_login.clone(),
                    format!("stock.{}", command_name(&req.command)),
                    object,
                    format!("{{\"command\":{command_json},\"outcome\":{outcome_json}}}"),
                    req.request_id.clone(),
                ));
                results.push(Ok(Executed {
                    outcome,
                    replayed: false,
                }));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    add_micros(&stats.book_micros, book_started);
    let movements = book.take_movements();
    let touched = book.take_touched();
    let last_id = book.last_id();
    if movements.is_empty() && touched.is_empty() && rec.keys.is_empty() {
        // Nothing applied (all refused or replayed): nothing to write.
        tx.commit().await?;
        return Ok(results);
    }
    let version = persist(&mut tx, book, &movements, &touched, &rec, last_id).await?;
    let commit_started = std::time::Instant::now();
    tx.commit().await?;
    add_micros(&stats.commit_micros, commit_started);
    if let Some(row) = state.row.as_mut() {
        row.version = version;
        row.next_id = last_id;
    }
    Ok(results)
}

/// What `stock_idempotency` holds under a key.
#[derive(Debug, Clone)]
enum Stored {
    /// A command was applied: its JSON and first outcome.
    Applied(String, Outcome),
    /// The key is fenced: every command under it is refused, for this reason.
    Fenced(String),
}

/// Parse a stored key row.
fn stored_row(key: &str, command_json: String, outcome_json: &str) -> StoreResult<Stored> {
    if let Some(why) = fenced_reason(&command_json) {
        return Ok(Stored::Fenced(why));
    }
    let outcome: Outcome = serde_json::from_str(outcome_json).map_err(|e| {
        StoreError::Database(format!("stored outcome of key '{key}' is unreadable: {e}"))
    })?;
    Ok(Stored::Applied(command_json, outcome))
}

type StoredKeys = HashMap<String, Stored>;

/// Lock and read the ledger row and the stored first results of the group's keys, in one
/// round trip.
async fn claim(
    tx: &mut Tx,
    now: Instant,
    reqs: &[&LedgerRequest],
) -> StoreResult<(LedgerRow, StoredKeys)> {
    let keys: Vec<&str> = reqs
        .iter()
        .filter_map(|r| r.key.as_ref().map(|k| k.as_str()))
        .collect();
    let mut sql = String::from(
        "SELECT l.version, l.next_id, l.master_version, k.key, k.command_json, k.outcome_json \
         FROM stock_ledger l LEFT JOIN stock_idempotency k ON k.key IN (",
    );
    if keys.is_empty() {
        sql.push_str("NULL");
    }
    for i in 0..keys.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("${}", i + 1));
    }
    sql.push_str(") WHERE l.id = 1");
    if tx.backend() == crate::Backend::Postgres {
        sql.push_str(" FOR UPDATE OF l");
    }
    type Row = (
        i64,
        i64,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = on_tx!(tx, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for k in &keys {
            q = q.bind(*k);
        }
        q.fetch_all(c).await
    })?;
    let Some(first) = rows.first() else {
        // No ledger row yet (a new database): create it, then read the keys on their own.
        let row = ledger_row(tx, now).await?;
        return Ok((row, stored_keys(tx, reqs).await?));
    };
    let row = LedgerRow {
        version: first.0,
        next_id: first.1,
        master_version: first.2,
    };
    let mut out = HashMap::new();
    for (_, _, _, k, cmd, outcome) in rows {
        let (Some(k), Some(cmd), Some(outcome)) = (k, cmd, outcome) else {
            continue;
        };
        let stored = stored_row(&k, cmd, &outcome)?;
        out.insert(k, stored);
    }
    Ok((row, out))
}

/// The stored first results of the group's keys.
async fn stored_keys(tx: &mut Tx, reqs: &[&LedgerRequest]) -> StoreResult<StoredKeys> {
    let keys: Vec<String> = reqs
        .iter()
        .filter_map(|r| r.key.as_ref().map(|k| k.as_str().to_string()))
        .collect();
    let mut out = HashMap::new();
    if keys.is_empty() {
        return Ok(out);
    }
    for chunk in keys.chunks(500) {
        let mut sql = String::from(
            "SELECT key, command_json, outcome_json FROM stock_idempotency WHERE key IN (",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", i + 1));
        }
        sql.push(')');
        let rows: Vec<(String, String, String)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for k in chunk {
                q = q.bind(k);
            }
            q.fetch_all(c).await
        })?;
        for (k, cmd, outcome) in rows {
            let stored = stored_row(&k, cmd, &outcome)?;
            out.insert(k, stored);
        }
    }
    Ok(out)
}

/// The command's name as in its JSON `op` tag.
pub fn command_name(c: &Command) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.get("op").and_then(|o| o.as_str()).map(str::to_string))
        .unwrap_or_else(|| "command".into())
}

/// Record in the outcome stored under `key` what planning raised for the issue it applied
/// (the book's shortfall replaced by the emergency requisition raised, or none when the
/// units on their way covered it), so that a replay of the issue answers as its first run
/// did. Nothing when the key holds nothing (or a fence).
pub async fn restate_emergency(
    tx: &mut Tx,
    key: &IdempotencyKey,
    emergency: Option<aftercare_domain::stock::EmergencyRequisition>,
) -> StoreResult<()> {
    let stored: Option<(String, String)> = on_tx!(tx, |c| {
        sqlx::query_as("SELECT command_json, outcome_json FROM stock_idempotency WHERE key = $1")
            .bind(key.as_str())
            .fetch_optional(c)
            .await
    })?;
    let Some((command_json, outcome_json)) = stored else {
        return Ok(());
    };
    let Stored::Applied(_, mut outcome) = stored_row(key.as_str(), command_json, &outcome_json)?
    else {
        return Ok(());
    };
    outcome.emergency = emergency;
    let json = serde_json::to_string(&outcome)
        .map_err(|e| StoreError::Database(format!("outcome of key '{}': {e}", key.as_str())))?;
    on_tx!(tx, |c| {
        sqlx::query("UPDATE stock_idempotency SET outcome_json = $2 WHERE key = $1")
            .bind(key.as_str())
            .bind(&json)
            .execute(c)
            .await
            .map(|_| ())
    })?;
    Ok(())
}
