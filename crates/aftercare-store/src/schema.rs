//! Schema introspection, used to compare the two engines' schemas in tests and to copy
//! every table in `aftercare db copy`.

use crate::{Db, StoreResult, on_db};
use std::collections::{BTreeMap, BTreeSet};

/// Portable class of a column type: what both engines must agree on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeClass {
    /// INTEGER / BIGINT.
    Integer,
    /// TEXT.
    Text,
    /// BOOLEAN.
    Boolean,
    /// Anything else, with the declared name.
    Other(String),
}

impl TypeClass {
    fn from_declared(t: &str) -> TypeClass {
        match t.to_ascii_lowercase().as_str() {
            "integer" | "bigint" | "int8" | "int" | "int4" => TypeClass::Integer,
            "text" | "character varying" | "varchar" => TypeClass::Text,
            "boolean" | "bool" => TypeClass::Boolean,
            other => TypeClass::Other(other.to_string()),
        }
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Type class.
    pub class: TypeClass,
    /// Whether NULL is allowed.
    pub nullable: bool,
}

/// Tables (excluding sqlx's bookkeeping) with their columns in declaration order.
pub async fn tables(db: &Db) -> StoreResult<BTreeMap<String, Vec<Column>>> {
    let mut out = BTreeMap::new();
    match db {
        Db::Sqlite(p) => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
            )
            .fetch_all(p)
            .await?;
            for name in names {
                let cols: Vec<(String, String, i64, i64)> = sqlx::query_as(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
                )
                .bind(&name)
                .fetch_all(p)
                .await?;
                let cols = cols
                    .into_iter()
                    .map(|(n, t, notnull, pk)| Column {
                        name: n,
                        class: TypeClass::from_declared(&t),
                        nullable: notnull == 0 && pk == 0,
                    })
                    .collect();
                out.insert(name, cols);
            }
        }
        Db::Postgres(p) => {
            let rows: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(p)
            .await?;
            for (table, name, ty, nullable) in rows {
                out.entry(table).or_insert_with(Vec::new).push(Column {
                    name,
                    class: TypeClass::from_declared(&ty),
                    nullable: nullable == "YES",
                });
            }
        }
    }
    Ok(out)
}

/// Foreign-key edges: table → tables it references (self-references excluded).
pub async fn references(db: &Db) -> StoreResult<BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let names: Vec<String> = tables(db).await?.into_keys().collect();
    for name in &names {
        out.entry(name.clone()).or_default();
    }
    let edges: Vec<(String, String)> = match db {
        Db::Sqlite(p) => {
            let mut edges = Vec::new();
            for name in &names {
                let targets: Vec<String> =
                    sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                        .bind(name)
                        .fetch_all(p)
                        .await?;
                edges.extend(targets.into_iter().map(|t| (name.clone(), t)));
            }
            edges
        }
        Db::Postgres(p) => {
            sqlx::query_as(
                "SELECT tc.table_name::text, ccu.table_name::text \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.constraint_column_usage ccu \
                   ON ccu.constraint_name = tc.constraint_name AND ccu.constraint_schema = tc.constraint_schema \
                 WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
            )
            .fetch_all(p)
            .await?
        }
    };
    for (from, to) in edges {
        if from != to {
            out.entry(from).or_default().insert(to);
        }
    }
    Ok(out)
}

/// Tables ordered so every table comes after the tables it references.
pub async fn tables_in_dependency_order(db: &Db) -> StoreResult<Vec<String>> {
    let mut refs = references(db).await?;
    let mut order = Vec::new();
    while !refs.is_empty() {
        let ready: Vec<String> = refs
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !refs.contains_key(d)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            // A reference cycle between tables: fall back to name order for the rest.
            order.extend(refs.keys().cloned());
            break;
        }
        for t in ready {
            refs.remove(&t);
            order.push(t);
        }
    }
    Ok(order)
}

/// Number of rows in a table (the name must come from [`tables`]).
pub async fn row_count(db: &Db, table: &str) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM {}", quote_ident(table));
    Ok(on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .fetch_one(p)
    .await)?)
}

/// Quote an identifier for both engines.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
