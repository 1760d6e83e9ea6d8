//! Multi-row statements built at run time: values to bind, chunked below both engines'
//! parameter limits, batched into as few round trips as each engine allows.

use crate::{StoreError, StoreResult, Tx, on_tx};
use sqlx::Row;
use std::collections::HashMap;

/// One bound value.
#[derive(Debug, Clone)]
pub(super) enum Val {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(Some(v))
    }
}

impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::Int(v)
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(Some(v))
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(Some(v.to_string()))
    }
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::Text(v)
    }
}

impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Val {
        Val::Text(v.map(str::to_string))
    }
}

impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}

/// Parameters per statement: SQLite allows 32,766, PostgreSQL 65,535.
const MAX_PARAMS: usize = 30_000;

/// A piece of statement text: literal SQL or the next bound parameter.
#[derive(Debug, Clone)]
enum Piece {
    Sql(String),
    /// `n` parameters in rows of `width`: `($a, $b), ($c, $d)`.
    Rows {
        n: usize,
        width: usize,
    },
}

/// One statement of a batch, numbered only when rendered (so statements can be joined).
#[derive(Debug, Clone)]
struct Stmt {
    pieces: Vec<Piece>,
    vals: Vec<Val>,
    /// What the statement reports: rows changed under a tag, or a returned value.
    report: Report,
}

#[derive(Debug, Clone, PartialEq)]
enum Report {
    Nothing,
    /// Rows changed, summed under this tag.
    Changes(&'static str),
    /// The statement returns one BIGINT expression (`RETURNING expr` is added here); its
    /// value under this tag.
    Returning(&'static str, &'static str),
}

impl Stmt {
    /// The text with positional `?` parameters; `one_row` renders the rows piece as a single
    /// row (the statement is then executed once per row).
    fn render_positional(&self, one_row: bool) -> String {
        let mut sql = String::new();
        for p in &self.pieces {
            match p {
                Piece::Sql(s) => sql.push_str(s),
                Piece::Rows { n, width } => {
                    let rows = if one_row { 1 } else { *n };
                    for i in 0..rows {
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push('(');
                        for j in 0..*width {
                            if j > 0 {
                                sql.push(',');
                            }
                            sql.push('?');
                        }
                        sql.push(')');
                    }
                }
            }
        }
        sql
    }

    /// The width of its one rows piece, when the statement is one multi-row statement.
    fn row_width(&self) -> Option<usize> {
        let mut rows = self.pieces.iter().filter_map(|p| match p {
            Piece::Rows { width, .. } => Some(*width),
            Piece::Sql(_) => None,
        });
        match (rows.next(), rows.next()) {
            (Some(w), None) => Some(w),
            _ => None,
        }
    }

    /// The text with parameters numbered from `first + 1`.
    fn render(&self, first: usize) -> String {
        let mut sql = String::new();
        let mut k = first;
        for p in &self.pieces {
            match p {
                Piece::Sql(s) => sql.push_str(s),
                Piece::Rows { n, width } => {
                    for i in 0..*n {
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push('(');
                        for j in 0..*width {
                            if j > 0 {
                                sql.push(',');
                            }
                            k += 1;
                            sql.push('$');
                            sql.push_str(&k.to_string());
                        }
                        sql.push(')');
                    }
                }
            }
        }
        sql
    }
}

/// What a batch reported: per tag, rows changed or the returned value.
#[derive(Debug, Default)]
pub(super) struct Reported(HashMap<String, i64>);

impl Reported {
    /// The value under `tag` (0 when the batch had no such statement).
    pub(super) fn get(&self, tag: &str) -> i64 {
        self.0.get(tag).copied().unwrap_or(0)
    }
}

/// Statements to run in one transaction: on SQLite in one multi-statement call (the
/// connection's worker thread runs them all in one hand-off), on PostgreSQL and past the
/// parameter limits one call per statement.
#[derive(Debug, Default)]
pub(super) struct Batch {
    stmts: Vec<Stmt>,
    /// Parameters per statement at most (0: [`MAX_PARAMS`]).
    per_statement: usize,
}

impl Batch {
    /// A batch whose statements bind at most `per_statement` parameters each. SQLite looks
    /// up each `$n` in a list of the statement's parameters, when parsing and again when
    /// sqlx binds it, so a statement's cost grows with the square of its parameters: bulk
    /// loads keep statements short there.
    pub(super) fn with_per_statement(per_statement: usize) -> Batch {
        Batch {
            stmts: Vec::new(),
            per_statement: per_statement.min(MAX_PARAMS),
        }
    }

    fn limit(&self) -> usize {
        if self.per_statement == 0 {
            MAX_PARAMS
        } else {
            self.per_statement
        }
    }

    /// Add `head VALUES (...), (...) tail` for all `rows` (each row the same width),
    /// chunked below the parameter limits.
    pub(super) fn insert(&mut self, head: &str, tail: &str, rows: &[Vec<Val>]) {
        let Some(width) = rows.first().map(Vec::len) else {
            return;
        };
        let per = (self.limit() / width).max(1);
        for chunk in rows.chunks(per) {
            self.stmts.push(Stmt {
                pieces: vec![
                    Piece::Sql(format!("{head} VALUES ")),
                    Piece::Rows {
                        n: chunk.len(),
                        width,
                    },
                    Piece::Sql(format!(" {tail}")),
                ],
                vals: chunk.iter().flatten().cloned().collect(),
                report: Report::Nothing,
            });
        }
    }

    /// Add `UPDATE table SET set FROM (VALUES ...) AS d WHERE cond` for all `rows`; the
    /// rows it changes are reported under `tag` (so a caller can insist every row
    /// existed). The columns are `d.column1`, `d.column2`, ... on both engines.
    pub(super) fn update(
        &mut self,
        tag: &'static str,
        table: &str,
        set: &str,
        cond: &str,
        rows: &[Vec<Val>],
    ) {
        let Some(width) = rows.first().map(Vec::len) else {
            return;
        };
        let per = (self.limit() / width).max(1);
        for chunk in rows.chunks(per) {
            self.stmts.push(Stmt {
                pieces: vec![
                    Piece::Sql(format!("UPDATE {table} SET {set} FROM (VALUES ")),
                    Piece::Rows {
                        n: chunk.len(),
                        width,
                    },
                    Piece::Sql(format!(") AS d WHERE {cond}")),
                ],
                vals: chunk.iter().flatten().cloned().collect(),
                report: Report::Changes(tag),
            });
        }
    }

    /// Add a statement made of `sql_parts` with one parameter between each two parts (in
    /// order of `vals`), returning the BIGINT `expr` of its one row under `tag`.
    pub(super) fn returning(
        &mut self,
        tag: &'static str,
        expr: &'static str,
        sql_parts: &[&str],
        vals: Vec<Val>,
    ) {
        debug_assert_eq!(sql_parts.len(), vals.len() + 1);
        let mut pieces = Vec::new();
        for (i, part) in sql_parts.iter().enumerate() {
            pieces.push(Piece::Sql((*part).to_string()));
            if i < vals.len() {
                pieces.push(Piece::Rows { n: 1, width: 1 });
            }
        }
        // `Rows { n: 1, width: 1 }` renders as `($k)`: a parenthesised parameter.
        self.stmts.push(Stmt {
            pieces,
            vals,
            report: Report::Returning(tag, expr),
        });
    }

    fn params(&self) -> usize {
        self.stmts.iter().map(|s| s.vals.len()).sum()
    }

    /// Run every statement inside `tx`.
    pub(super) async fn run(self, tx: &mut Tx) -> StoreResult<Reported> {
        if self.stmts.is_empty() {
            return Ok(Reported::default());
        }
        let mode = mode();
        if let (Tx::Sqlite(t), Mode::Direct) = (&mut *tx, mode) {
            return self.run_direct(t).await;
        }
        if self.stmts.len() == 1 || self.params() > MAX_PARAMS || mode == Mode::Each {
            return self.run_each(tx).await;
        }
        match tx {
            Tx::Sqlite(t) => {
                let (sql, vals) = self.sqlite_script();
                let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &vals)
                    .fetch_all(&mut **t)
                    .await?;
                collect(rows.iter().map(|r| (r.try_get(0), r.try_get(1))))
            }
            // One statement of data-modifying CTEs was measured slower than one round trip
            // per statement on PostgreSQL (docs/BENCHMARKS.md, "Stock ledger").
            Tx::Postgres(_) => self.run_each(tx).await,
        }
    }

    /// SQLite: run the batch on the connection's own handle (sqlx's worker thread is held
    /// off meanwhile), each statement prepared once with positional parameters and stepped
    /// once per row. Measured against the one-script path in docs/BENCHMARKS.md: it skips
    /// parsing long statement texts that differ every group and sqlx's per-value parameter
    /// name look-up.
    #[allow(unsafe_code)]
    async fn run_direct(self, t: &mut sqlx::SqliteConnection) -> StoreResult<Reported> {
        let mut handle = t.lock_handle().await?;
        let raw = handle.as_raw_handle();
        let work = move || {
            // SAFETY: `handle` stays locked until this closure returns, so sqlx's worker makes
            // no call on the connection meanwhile; `from_handle` borrows the handle and does not
            // close it when `conn` is dropped (at the end of this closure).
            let conn =
                unsafe { rusqlite::Connection::from_handle(raw.as_ptr()) }.map_err(direct_error)?;
            self.run_on(&conn)
        };
        // Blocking work on a runtime thread: let the runtime move its other tasks away.
        let out = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
            _ => work(),
        };
        drop(handle);
        out
    }

    fn run_on(self, conn: &rusqlite::Connection) -> StoreResult<Reported> {
        let mut out = Reported::default();
        for s in self.stmts {
            match (&s.report, s.row_width()) {
                (Report::Returning(tag, expr), _) => {
                    let sql = format!("{} RETURNING {expr}", s.render_positional(false));
                    let v: i64 = conn
                        .prepare(&sql)
                        .and_then(|mut st| {
                            st.query_row(rusqlite::params_from_iter(&s.vals), |r| r.get(0))
                        })
                        .map_err(direct_error)?;
                    out.0.insert((*tag).to_string(), v);
                }
                (report, Some(width)) if width > 0 => {
                    let mut st = conn
                        .prepare(&s.render_positional(true))
                        .map_err(direct_error)?;
                    let mut changed = 0usize;
                    for row in s.vals.chunks(width) {
                        changed += st
                            .execute(rusqlite::params_from_iter(row))
                            .map_err(direct_error)?;
                    }
                    if let Report::Changes(tag) = report {
                        *out.0.entry((*tag).to_string()).or_default() +=
                            i64::try_from(changed).unwrap_or(i64::MAX);
                    }
                }
                (report, _) => {
                    let changed = conn
                        .execute(
                            &s.render_positional(false),
                            rusqlite::params_from_iter(&s.vals),
                        )
                        .map_err(direct_error)?;
                    if let Report::Changes(tag) = report {
                        *out.0.entry((*tag).to_string()).or_default() +=
                            i64::try_from(changed).unwrap_or(i64::MAX);
                    }
                }
            }
        }
        Ok(out)
    }

    /// One statement after the other (past the parameter limits of a single call).
    async fn run_each(self, tx: &mut Tx) -> StoreResult<Reported> {
        let mut out = Reported::default();
        for s in self.stmts {
            let sql = s.render(0);
            let q = sqlx::AssertSqlSafe(sql.as_str());
            match s.report {
                Report::Nothing => {
                    on_tx!(tx, |c| {
                        bind_all(sqlx::query(q), &s.vals).execute(c).await?;
                    });
                }
                Report::Changes(tag) => {
                    let n = on_tx!(tx, |c| bind_all(sqlx::query(q), &s.vals)
                        .execute(c)
                        .await?
                        .rows_affected());
                    *out.0.entry(tag.to_string()).or_default() +=
                        i64::try_from(n).unwrap_or(i64::MAX);
                }
                Report::Returning(tag, expr) => {
                    let sql = format!("{sql} RETURNING {expr}");
                    let q = sqlx::AssertSqlSafe(sql.as_str());
                    let v: i64 = on_tx!(tx, |c| {
                        let mut q = sqlx::query_scalar(q);
                        for v in &s.vals {
                            q = match v {
                                Val::Int(x) => q.bind(*x),
                                Val::Text(x) => q.bind(x.clone()),
                                Val::Bool(x) => q.bind(*x),
                            };
                        }
                        q.fetch_one(c).await?
                    });
                    out.0.insert(tag.to_string(), v);
                }
            }
        }
        Ok(out)
    }

    /// `stmt; stmt; SELECT 'tag', changes(); ...`: SQLite numbers `$n` across the whole
    /// script, and `changes()` reports the statement just before it.
    fn sqlite_script(self) -> (String, Vec<Val>) {
        let mut sql = String::new();
        let mut vals = Vec::with_capacity(self.params());
        for s in self.stmts {
            sql.push_str(&s.render(vals.len()));
            match s.report {
                Report::Nothing => {}
                Report::Changes(tag) => {
                    sql.push_str(&format!(";\nSELECT '{tag}', changes()"));
                }
                Report::Returning(tag, expr) => {
                    sql.push_str(&format!(" RETURNING '{tag}', {expr}"));
                }
            }
            sql.push_str(";\n");
            vals.extend(s.vals);
        }
        (sql, vals)
    }
}

/// How a batch reaches the database. `AFTERCARE_LEDGER_BATCH` picks it, so benchmarks can
/// compare them on the same build: `direct` (default; SQLite runs the batch on the
/// connection handle, PostgreSQL one call per statement), `script` (SQLite: one
/// multi-statement call through sqlx) or `off` (one sqlx call per statement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Direct,
    Script,
    Each,
}

fn mode() -> Mode {
    static MODE: std::sync::OnceLock<Mode> = std::sync::OnceLock::new();
    *MODE.get_or_init(
        || match std::env::var("AFTERCARE_LEDGER_BATCH").as_deref() {
            Ok("off") => Mode::Each,
            Ok("script") => Mode::Script,
            _ => Mode::Direct,
        },
    )
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(*v)),
            Val::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Val::Int(None) | Val::Text(None) => ToSqlOutput::Owned(Value::Null),
            // As sqlx stores a bool on SQLite: an integer 0 or 1.
            Val::Bool(v) => ToSqlOutput::Owned(Value::Integer(i64::from(*v))),
        })
    }
}

/// A failure on the direct path, classified like sqlx's errors (constraint → conflict).
fn direct_error(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(msg.clone().unwrap_or_else(|| e.to_string()))
        }
        _ => StoreError::Database(e.to_string()),
    }
}

fn bind_all<'q, DB: sqlx::Database>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    vals: &'q [Val],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for v in vals {
        q = match v {
            Val::Int(x) => q.bind(*x),
            Val::Text(x) => q.bind(x.clone()),
            Val::Bool(x) => q.bind(*x),
        };
    }
    q
}

fn collect(
    rows: impl Iterator<Item = (Result<String, sqlx::Error>, Result<i64, sqlx::Error>)>,
) -> StoreResult<Reported> {
    let mut out = Reported::default();
    for (tag, n) in rows {
        let (tag, n) = (tag?, n?);
        if tag != "none" {
            *out.0.entry(tag).or_default() += n;
        }
    }
    Ok(out)
}
