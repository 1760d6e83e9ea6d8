//! Bulk loading of an EMPTY ledger (the demo's 24 months of history): the same in-memory
//! book and the same row building as the ledger writer ([`persist`]), but every batch of
//! commands is one group inside ONE long transaction, without the writer's queue, per-group
//! commit and fsync. What it writes is what the writer would have written for the same
//! commands in the same groups: movements, lots, balances, lot balances, availability,
//! documents, audit entries and the ledger row's id counter.
//!
//! It refuses a ledger that already holds anything, so it can never write over history
//! nor race the online writer's numbers; a running writer sees the bumped ledger version
//! and reloads its book on its next group.

use super::load::{ledger_row, load_book};
use super::persist::{GroupRecord, persist_in};
use super::values::Batch;
use super::writer::{LedgerRequest, command_name};
use crate::{Backend, Db, StoreError, StoreResult, Tx, on_tx};
use aftercare_domain::Instant;
use aftercare_domain::stock::{Book, IssuePolicy, Outcome, StockError};
use std::collections::HashMap;

/// Tables that must be empty before a bulk load.
const LEDGER_TABLES: &[&str] = &[
    "stock_movements",
    "stock_lots",
    "stock_balances",
    "stock_reservations",
    "transfers",
    "repair_orders",
    "purchase_orders",
    "scrap_requests",
    "stocktakes",
    "stock_idempotency",
];

/// Parameters per SQLite statement in a bulk load (measured: docs/BENCHMARKS.md).
const SQLITE_PARAMS: usize = 500;

/// What a bulk load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkStats {
    /// Commands applied.
    pub applied: usize,
    /// Commands the book refused (nothing written for them).
    pub refused: usize,
    /// Movements written.
    pub movements: usize,
    /// Groups persisted (one per [`BulkLoad::apply`] call that changed anything).
    pub groups: usize,
}

/// An open bulk load: one write transaction and the book built on it.
pub struct BulkLoad {
    tx: Tx,
    book: Book,
    stats: BulkStats,
}

impl BulkLoad {
    /// Open the transaction, lock the ledger row and check the ledger is empty (a
    /// `Conflict` otherwise, and nothing is written).
    pub async fn begin(db: &Db, policy: IssuePolicy, now: Instant) -> StoreResult<BulkLoad> {
        let mut tx = db.begin_write().await?;
        let row = ledger_row(&mut tx, now).await?;
        let mut sql = String::from("SELECT ");
        for (i, t) in LEDGER_TABLES.iter().enumerate() {
            if i > 0 {
                sql.push_str(" + ");
            }
            sql.push_str(&format!("(SELECT COUNT(*) FROM {t})"));
        }
        let rows: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .fetch_one(c)
        .await)?;
        if rows > 0 || row.next_id != 0 {
            // Dropping the transaction rolls the ledger row insert back too.
            return Err(StoreError::Conflict(format!(
                "a bulk load needs an empty stock ledger; this one holds {rows} rows (next id {})",
                row.next_id
            )));
        }
        let book = load_book(&mut tx, policy, row.next_id).await?;
        Ok(BulkLoad {
            tx,
            book,
            stats: BulkStats::default(),
        })
    }

    /// The book as loaded so far (for the caller's own checks).
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// What was loaded so far.
    pub fn stats(&self) -> BulkStats {
        self.stats
    }

    /// Run `reqs` through the book in order and write their effects as one group (as the
    /// writer writes a group). A refused command changes nothing and is answered with its
    /// error; a keyed request is refused as a whole (a bulk load records no keys).
    pub async fn apply(
        &mut self,
        reqs: Vec<LedgerRequest>,
    ) -> StoreResult<Vec<Result<Outcome, StockError>>> {
        if reqs.iter().any(|r| r.key.is_some()) {
            return Err(StoreError::Conflict(
                "a bulk load takes no Idempotency-Keys".into(),
            ));
        }
        let Some(first) = reqs.first() else {
            return Ok(Vec::new());
        };
        let mut rec = GroupRecord {
            actors: HashMap::new(),
            keys: Vec::new(),
            audits: Vec::with_capacity(reqs.len()),
            now: first.now.millis(),
        };
        let mut out = Vec::with_capacity(reqs.len());
        for req in reqs {
            match self.book.execute(None, req.command.clone(), req.now) {
                Ok(outcome) => {
                    record(&mut rec, &req, &outcome)?;
                    self.stats.applied += 1;
                    out.push(Ok(outcome));
                }
                Err(e) => {
                    self.stats.refused += 1;
                    out.push(Err(e));
                }
            }
        }
        let movements = self.book.take_movements();
        let touched = self.book.take_touched();
        if movements.is_empty() && touched.is_empty() {
            return Ok(out);
        }
        let last_id = self.book.last_id();
        // Short statements on SQLite (its parameter lookup is quadratic per statement);
        // PostgreSQL takes the writer's full-size statements.
        let batch = match self.tx.backend() {
            Backend::Sqlite => Batch::with_per_statement(SQLITE_PARAMS),
            Backend::Postgres => Batch::default(),
        };
        persist_in(
            batch,
            &mut self.tx,
            &self.book,
            &movements,
            &touched,
            &rec,
            last_id,
        )
        .await?;
        self.stats.movements += movements.len();
        self.stats.groups += 1;
        Ok(out)
    }

    /// Commit everything.
    pub async fn commit(self) -> StoreResult<BulkStats> {
        self.tx.commit().await?;
        Ok(self.stats)
    }
}

/// The writer's record of one applied unkeyed command: who made each movement and the
/// audit entry (same action, object and JSON as the writer's group).
fn record(rec: &mut GroupRecord, req: &LedgerRequest, outcome: &Outcome) -> StoreResult<()> {
    let command_json = serde_json::to_string(&req.command)
        .map_err(|e| StoreError::Database(format!("cannot encode command: {e}")))?;
    let outcome_json = serde_json::to_string(outcome)
        .map_err(|e| StoreError::Database(format!("cannot encode outcome: {e}")))?;
    for m in &outcome.movements {
        rec.actors.insert(*m, req.actor_id);
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
    Ok(())
}
