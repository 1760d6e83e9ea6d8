//! Copy every table from one database to another through the store (SQLite → PostgreSQL
//! is the upgrade path). The target must be migrated and empty; counts are verified.

use crate::schema::{
    Column, TypeClass, quote_ident, row_count, tables, tables_in_dependency_order,
};
use crate::{Db, StoreError, StoreResult, on_tx};
use futures_util::TryStreamExt;
use sqlx::Row;

/// Rows copied per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// (table, rows) in copy order.
    pub tables: Vec<(String, i64)>,
}

#[derive(Debug, Clone)]
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

/// Rows per INSERT statement; keeps bound parameters far below both engines' limits.
const BATCH_ROWS: usize = 500;

/// Tables the target's triggers fill while the others are copied (copying them as well
/// would count twice), each with a query whose (key, value) rows must then agree with the
/// source's.
const DERIVED: &[(&str, &str)] = &[(
    "station_open_loads",
    "SELECT station_id, held FROM station_open_loads ORDER BY station_id",
)];

/// Copy all rows from `from` to `to`. Refuses if the schemas differ or `to` has any row.
/// `progress` is called after each table with (table, rows).
pub async fn copy_all(
    from: &Db,
    to: &Db,
    mut progress: impl FnMut(&str, i64),
) -> StoreResult<CopyReport> {
    let src_tables = tables(from).await?;
    let dst_tables = tables(to).await?;
    if src_tables != dst_tables {
        return Err(StoreError::Conflict(
            "source and target schemas differ: migrate both to the same version first".into(),
        ));
    }
    for table in dst_tables.keys() {
        if row_count(to, table).await? > 0 {
            return Err(StoreError::Conflict(format!(
                "target is not empty (table '{table}' has rows): refusing to write into it"
            )));
        }
    }
    let order = tables_in_dependency_order(from).await?;
    let mut tx = to.begin_write().await?;
    let mut report = CopyReport { tables: Vec::new() };
    for table in order
        .iter()
        .filter(|t| !DERIVED.iter().any(|(d, _)| d == t))
    {
        let cols = &src_tables[table];
        let n = copy_table(from, &mut tx, table, cols).await?;
        report.tables.push((table.clone(), n));
    }
    if let crate::Tx::Postgres(t) = &mut tx {
        for (table, cols) in &src_tables {
            if cols
                .iter()
                .any(|c| c.name == "id" && c.class == TypeClass::Integer)
            {
                reset_identity(t, table).await?;
            }
        }
    }
    tx.commit().await?;
    for (table, n) in &report.tables {
        let got = row_count(to, table).await?;
        if got != *n {
            return Err(StoreError::Database(format!(
                "verification failed: table '{table}' has {got} rows in the target, {n} in the source"
            )));
        }
        progress(table, *n);
    }
    for (table, query) in DERIVED {
        let (want, got) = (
            derived_rows(from, query).await?,
            derived_rows(to, query).await?,
        );
        if want != got {
            return Err(StoreError::Database(format!(
                "verification failed: table '{table}' (kept by triggers) differs between the target and the source"
            )));
        }
        progress(table, want.len() as i64);
    }
    Ok(report)
}

async fn derived_rows(db: &Db, query: &str) -> StoreResult<Vec<(i64, i64)>> {
    Ok(crate::on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        query
    ))
    .fetch_all(p)
    .await)?)
}

async fn reset_identity(
    t: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    table: &str,
) -> StoreResult<()> {
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX(id) FROM {}), 0) + 1, false)",
        quote_ident(table)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(table)
        .execute(&mut **t)
        .await?;
    Ok(())
}

async fn copy_table(
    from: &Db,
    tx: &mut crate::Tx,
    table: &str,
    cols: &[Column],
) -> StoreResult<i64> {
    let names: Vec<String> = cols.iter().map(|c| quote_ident(&c.name)).collect();
    // Ordering by the first column (the id) puts parents before children in self-referencing
    // tables such as regions and warehouses.
    let select = format!(
        "SELECT {} FROM {} ORDER BY 1",
        names.join(", "),
        quote_ident(table)
    );
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH_ROWS);
    let mut total = 0i64;
    macro_rules! drain {
        ($stream:expr) => {{
            let mut rows = $stream;
            while let Some(row) = rows.try_next().await? {
                let mut values = Vec::with_capacity(cols.len());
                for (i, c) in cols.iter().enumerate() {
                    values.push(match c.class {
                        TypeClass::Integer => Value::Int(row.try_get(i)?),
                        TypeClass::Boolean => Value::Bool(row.try_get(i)?),
                        _ => Value::Text(row.try_get(i)?),
                    });
                }
                batch.push(values);
                if batch.len() == BATCH_ROWS {
                    total += insert_batch(tx, table, &names, &batch).await?;
                    batch.clear();
                }
            }
        }};
    }
    match from {
        Db::Sqlite(p) => drain!(sqlx::query(sqlx::AssertSqlSafe(select.as_str())).fetch(p)),
        Db::Postgres(p) => drain!(sqlx::query(sqlx::AssertSqlSafe(select.as_str())).fetch(p)),
    }
    if !batch.is_empty() {
        total += insert_batch(tx, table, &names, &batch).await?;
    }
    Ok(total)
}

async fn insert_batch(
    tx: &mut crate::Tx,
    table: &str,
    names: &[String],
    rows: &[Vec<Value>],
) -> StoreResult<i64> {
    let width = names.len();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        quote_ident(table),
        names.join(", ")
    );
    for r in 0..rows.len() {
        if r > 0 {
            sql.push_str(", ");
        }
        let params: Vec<String> = (0..width)
            .map(|c| format!("${}", r * width + c + 1))
            .collect();
        sql.push('(');
        sql.push_str(&params.join(", "));
        sql.push(')');
    }
    let n = on_tx!(tx, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for row in rows {
            for v in row {
                q = match v {
                    Value::Int(x) => q.bind(*x),
                    Value::Text(x) => q.bind(x.clone()),
                    Value::Bool(x) => q.bind(*x),
                };
            }
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(n as i64)
}
