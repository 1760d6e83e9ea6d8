//! Multi-row statements built at run time: values to bind, chunked below both engines'
//! parameter limits, run on either engine.

use crate::{StoreResult, Tx, on_tx};

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

/// `(VALUES ($1, $2), ($3, $4)) AS d` text for `n` rows of `width` values; the columns are
/// `d.column1`, `d.column2`, ... on both engines.
fn values_clause(sql: &mut String, n: usize, width: usize) {
    let mut k = 0;
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for j in 0..width {
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

/// Run `UPDATE table SET set FROM (VALUES ...) AS d WHERE cond` for all `rows`; returns
/// the rows updated (so a caller can insist every row existed).
pub(super) async fn update_rows(
    tx: &mut Tx,
    table: &str,
    set: &str,
    cond: &str,
    rows: &[Vec<Val>],
) -> StoreResult<u64> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(0);
    };
    let per = (MAX_PARAMS / width).max(1);
    let mut total = 0;
    for chunk in rows.chunks(per) {
        let mut sql = format!("UPDATE {table} SET {set} FROM (VALUES ");
        values_clause(&mut sql, chunk.len(), width);
        sql.push_str(") AS d WHERE ");
        sql.push_str(cond);
        let n = on_tx!(tx, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for row in chunk {
                for v in row {
                    q = match v {
                        Val::Int(x) => q.bind(*x),
                        Val::Text(x) => q.bind(x.clone()),
                        Val::Bool(x) => q.bind(*x),
                    };
                }
            }
            q.execute(conn).await?.rows_affected()
        });
        total += n;
    }
    Ok(total)
}

/// Run `head VALUES (...), (...) tail` for all `rows` (each row the same width), in as few
/// statements as the parameter limits allow.
pub(super) async fn insert_rows(
    tx: &mut Tx,
    head: &str,
    tail: &str,
    rows: &[Vec<Val>],
) -> StoreResult<()> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let per = (MAX_PARAMS / width).max(1);
    for chunk in rows.chunks(per) {
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * width * 5);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        values_clause(&mut sql, chunk.len(), width);
        sql.push(' ');
        sql.push_str(tail);
        on_tx!(tx, |conn| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for row in chunk {
                for v in row {
                    q = match v {
                        Val::Int(x) => q.bind(*x),
                        Val::Text(x) => q.bind(x.clone()),
                        Val::Bool(x) => q.bind(*x),
                    };
                }
            }
            q.execute(conn).await?;
        });
    }
    Ok(())
}
