//! Requests that create a record, made safe to send again: a key (a page's one-time form
//! key with a digest of what was filled in) sent a second time finds the record the first
//! send made instead of making another. The JSON API's creating calls take no key yet
//! (only the stock ledger's commands take `Idempotency-Key`).

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::planning::actor_login;
use aftercare_store::request_keys::{self as store, KeyUse};

/// The longest key accepted.
const MAX_KEY: usize = 100;

/// A key must be 1–100 visible ASCII characters (it is echoed in messages and logs).
pub(crate) fn checked(key: &str) -> AppResult<&str> {
    let k = key.trim();
    if k.is_empty() || k.len() > MAX_KEY || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::invalid(
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY} visible ASCII characters"),
        ));
    }
    Ok(k)
}

/// The use to record for `key` when `actor` creates `object_id` by `action`.
pub(crate) fn key_use(actor: &Actor, action: &str, object_id: i64) -> KeyUse {
    KeyUse {
        action: action.into(),
        actor_login: actor_login(actor),
        object_id: object_id.to_string(),
    }
}

/// The record a key was used for, when it was used by the same actor for the same action;
/// a key used for something else (or by someone else) is refused.
pub(crate) fn same_use(found: KeyUse, actor: &Actor, action: &str, key: &str) -> AppResult<i64> {
    first_record(found, &key_use(actor, action, 0), key)
}

/// The record a key's first use made, when `found` is the use `wanted` (its action and
/// actor); another use is refused.
pub(crate) fn first_record(found: KeyUse, wanted: &KeyUse, key: &str) -> AppResult<i64> {
    if found.action != wanted.action || found.actor_login != wanted.actor_login {
        return Err(key_reused(key));
    }
    found
        .object_id
        .parse()
        .map_err(|_| AppError::Unexpected(format!("request key '{key}' names no record")))
}

/// A creating form sent again whose record cannot be shown twice: "already sent", naming
/// the record the first send made (409).
fn sent_before(what: &str, id: i64) -> AppError {
    AppError::Conflict {
        code: "request.form_sent_before".into(),
        message: format!("this form was already sent: it created {what} {id}"),
    }
}

/// A key already used for another request, or by someone else (409).
pub(crate) fn key_reused(key: &str) -> AppError {
    AppError::Conflict {
        code: "request.key_reused".into(),
        message: format!("the key '{key}' was already used for another request"),
    }
}

impl App {
    /// The record `key` created for `action`, if it was used (see [`same_use`]).
    pub(crate) async fn keyed_record(
        &self,
        actor: &Actor,
        key: Option<&str>,
        action: &str,
    ) -> AppResult<Option<i64>> {
        let Some(key) = key else {
            return Ok(None);
        };
        match store::find(&self.db, key).await? {
            Some(found) => same_use(found, actor, action, key).map(Some),
            None => Ok(None),
        }
    }
}

impl App {
    /// Refuse a creating form sent again whose record cannot be shown twice (a secret shown
    /// once): "already sent", naming the record the first send made (409).
    pub(crate) async fn refuse_if_sent(
        &self,
        actor: &Actor,
        key: Option<&str>,
        action: &str,
        what: &str,
    ) -> AppResult<()> {
        match self.keyed_record(actor, key, action).await? {
            Some(id) => Err(sent_before(what, id)),
            None => Ok(()),
        }
    }

    /// Claim `key` for the record `id` in the transaction that writes it. `Some(first)` when
    /// the same form, sent at once, claimed it meanwhile: the caller drops the (spoiled)
    /// transaction and answers that record; another use of the key is refused.
    pub(crate) async fn claim_or_first(
        &self,
        tx: &mut aftercare_store::Tx,
        actor: &Actor,
        key: Option<&str>,
        (action, id): (&str, i64),
    ) -> AppResult<Option<i64>> {
        let Some(k) = key else {
            return Ok(None);
        };
        match store::record(tx, k, &key_use(actor, action, id), self.now()).await {
            Ok(()) => Ok(None),
            Err(e) => match self.keyed_record(actor, key, action).await? {
                Some(first) => Ok(Some(first)),
                None => Err(e.into()),
            },
        }
    }

    /// Claim `key` for the record `id` in the transaction that writes it; a key claimed
    /// meanwhile (the same form sent at once) is refused as [`App::refuse_if_sent`] says.
    pub(crate) async fn claim_key(
        &self,
        tx: &mut aftercare_store::Tx,
        actor: &Actor,
        key: Option<&str>,
        (action, what, id): (&str, &str, i64),
    ) -> AppResult<()> {
        match self.claim_or_first(tx, actor, key, (action, id)).await? {
            Some(first) => Err(sent_before(what, first)),
            None => Ok(()),
        }
    }
}
