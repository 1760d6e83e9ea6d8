//! Login accounts.

use crate::{Db, StoreError, StoreResult, Tx, on_db, on_tx};
use aftercare_domain::settings::Lang;
use aftercare_domain::{BrandId, Instant, Role, StationId, TechnicianId, UserId};

/// A stored user (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Id.
    pub id: UserId,
    /// Unique login name.
    pub login: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Station (station and technician roles).
    pub station_id: Option<StationId>,
    /// Technician record (technician role).
    pub technician_id: Option<TechnicianId>,
    /// Brand (brand role).
    pub brand_id: Option<BrandId>,
    /// Preferred UI language, if chosen.
    pub language: Option<Lang>,
    /// Whether the account may log in.
    pub active: bool,
    /// When it was created.
    pub created_at: Instant,
}

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Unique login name.
    pub login: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Station binding.
    pub station_id: Option<StationId>,
    /// Technician binding.
    pub technician_id: Option<TechnicianId>,
    /// Brand binding.
    pub brand_id: Option<BrandId>,
    /// PHC-format argon2id hash.
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    login: String,
    display_name: String,
    role: String,
    station_id: Option<i64>,
    technician_id: Option<i64>,
    brand_id: Option<i64>,
    language: Option<String>,
    active: bool,
    created_at: i64,
}

impl Row {
    fn into_record(self) -> StoreResult<UserRecord> {
        let role = Role::parse(&self.role).map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(UserRecord {
            id: UserId(self.id),
            login: self.login,
            display_name: self.display_name,
            role,
            station_id: self.station_id.map(StationId),
            technician_id: self.technician_id.map(TechnicianId),
            brand_id: self.brand_id.map(BrandId),
            language: self.language.as_deref().and_then(Lang::parse),
            active: self.active,
            created_at: Instant(self.created_at),
        })
    }
}

const COLUMNS: &str = "id, login, display_name, role, station_id, technician_id, brand_id, language, active, created_at";

/// Insert a user; a taken login is a `Conflict`.
pub async fn insert(tx: &mut Tx, user: &NewUser, now: Instant) -> StoreResult<UserId> {
    let sql = "INSERT INTO users (login, display_name, role, station_id, technician_id, brand_id, password_hash, active, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8) RETURNING id";
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(user.role.code())
        .bind(user.station_id.map(|s| s.0))
        .bind(user.technician_id.map(|s| s.0))
        .bind(user.brand_id.map(|s| s.0))
        .bind(&user.password_hash)
        .bind(now.0)
        .fetch_one(c)
        .await)
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("login '{}' is taken", user.login)),
        other => other,
    })?;
    Ok(UserId(id))
}

/// A user and their password hash, by login.
pub async fn find_with_hash(db: &Db, login: &str) -> StoreResult<Option<(UserRecord, String)>> {
    let found: Option<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE login = $1"
    )
    .bind(login)
    .fetch_optional(p)
    .await)?;
    match found {
        Some((id, hash)) => Ok(get(db, UserId(id)).await?.map(|u| (u, hash))),
        None => Ok(None),
    }
}

/// A user by id.
pub async fn get(db: &Db, id: UserId) -> StoreResult<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row: Option<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
    row.map(Row::into_record).transpose()
}

/// A user by login.
pub async fn get_by_login(db: &Db, login: &str) -> StoreResult<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE login = $1");
    let row: Option<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(login)
        .fetch_optional(p)
        .await)?;
    row.map(Row::into_record).transpose()
}

/// Every user, by login.
pub async fn list(db: &Db) -> StoreResult<Vec<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY login");
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(Row::into_record).collect()
}

/// Replace a user's password hash.
pub async fn set_password_hash(tx: &mut Tx, id: UserId, hash: &str) -> StoreResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE id = $2"
    )
    .bind(hash)
    .bind(id.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    expect_one(n, "user")
}

/// Enable or disable a user.
pub async fn set_active(tx: &mut Tx, id: UserId, active: bool) -> StoreResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET active = $1 WHERE id = $2"
    )
    .bind(active)
    .bind(id.0)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    expect_one(n, "user")
}

/// Remember a user's chosen UI language.
pub async fn set_language(db: &Db, id: UserId, lang: Lang) -> StoreResult<()> {
    on_db!(db, |p| sqlx::query(
        "UPDATE users SET language = $1 WHERE id = $2"
    )
    .bind(lang.tag())
    .bind(id.0)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Number of users.
pub async fn count(db: &Db) -> StoreResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users"
    )
    .fetch_one(p)
    .await)?)
}

pub(crate) fn expect_one(rows: u64, what: &str) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound(what.to_string()))
    } else {
        Ok(())
    }
}
