//! The part master: import and export (CSV/XLSX), and maintenance of parts, where-used,
//! substitutes and per-warehouse manual stock levels.
//!
//! An import is checked whole inside the write transaction (so "unknown part" and "already
//! declared" are judged against exactly what is being written to); if any row is bad,
//! the transaction is dropped and nothing is written. Rows that equal what is stored are
//! counted as unchanged and not written, so importing the same file twice changes nothing.

use crate::App;
use crate::access::{Actor, EVERYONE};
use crate::error::{AppError, AppResult};
use crate::parts_io::{self, ExportData, FileFormat, Issue, Kind, Known, LevelRow, SubstituteRow};
use aftercare_domain::part::{
    PartDraft, PartMaster, PartNumber, StockLevels, SubstituteDirection, SubstituteRule,
    check_rules,
};
use aftercare_domain::stock::Qty;
use aftercare_domain::{PartId, ProductModelId, Role, Scope, ValidationError, WarehouseId};
use aftercare_store::Tx;
use aftercare_store::audit;
use aftercare_store::part_master as pm;
pub use aftercare_store::part_master::{
    LevelRecord, ModelRef, StoredPart, SubstituteRecord, WarehouseRef, WhereUsedRecord,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Roles that may change the part master.
pub const PART_EDITORS: &[Role] = &[Role::Admin, Role::Manager, Role::Warehouse];

/// Created / updated / unchanged rows of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New rows.
    pub created: usize,
    /// Rows that differed and were overwritten.
    pub updated: usize,
    /// Rows equal to what was stored.
    pub unchanged: usize,
}

/// What an import did, or why it did nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Whether anything was written (false when there were issues).
    pub applied: bool,
    /// The format read.
    pub format: FileFormat,
    /// Data rows read.
    pub rows: usize,
    /// Counts per kind present in the file.
    pub counts: BTreeMap<Kind, Counts>,
    /// Every problem found (empty when applied).
    pub issues: Vec<Issue>,
}

/// Turn a stored row back into the validated master record.
pub fn stored_to_master(p: &StoredPart) -> Result<PartMaster, Vec<ValidationError>> {
    let date = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| vec![ValidationError::new(field, format!("bad stored date {s}"))])
            })
            .transpose()
    };
    PartDraft {
        part_number: p.part_number.clone(),
        name_zh: p.name_zh.clone(),
        name_en: p.name_en.clone(),
        specification: p.specification.clone(),
        category: p.category.clone(),
        unit: p.unit.clone(),
        standard_cost: p.standard_cost,
        source: p.source.clone(),
        lead_time_days: p.lead_time_days,
        replacement_cycle_days: p.replacement_cycle_days,
        criticality: Some(p.criticality.clone()),
        end_of_production: date("end_of_production", &p.end_of_production_on)?,
        end_of_service: date("end_of_service", &p.end_of_service_on)?,
        notes: p.notes.clone(),
    }
    .validate()
}

fn part_number(s: &str) -> Option<PartNumber> {
    PartNumber::parse(s).ok()
}

/// Everything the import compares against, read inside the transaction.
struct Current {
    models: Vec<ModelRef>,
    warehouses: Vec<WarehouseRef>,
    parts: Vec<StoredPart>,
    where_used: Vec<WhereUsedRecord>,
    substitutes: Vec<SubstituteRecord>,
    levels: Vec<LevelRecord>,
    /// Suppliers purchases can be placed with, as (id, code).
    suppliers: Vec<(i64, String)>,
    /// Each part's supplier code, by part id.
    part_suppliers: HashMap<i64, String>,
}

impl Current {
    async fn load(tx: &mut Tx) -> AppResult<Current> {
        Ok(Current {
            models: pm::models(&mut *tx).await?,
            warehouses: pm::warehouses(&mut *tx).await?,
            parts: pm::parts(&mut *tx).await?,
            where_used: pm::where_used(&mut *tx, None, None).await?,
            substitutes: pm::substitutes(&mut *tx, None).await?,
            levels: pm::levels(&mut *tx, None, None).await?,
            suppliers: pm::purchase_suppliers(&mut *tx).await?,
            part_suppliers: pm::part_suppliers(&mut *tx).await?.into_iter().collect(),
        })
    }

    fn known(&self) -> Known {
        Known::new(
            self.models.iter().map(|m| m.code.clone()),
            self.parts
                .iter()
                .filter_map(|p| part_number(&p.part_number)),
            self.warehouses.iter().map(|w| w.code.clone()),
            self.substitutes
                .iter()
                .filter_map(|s| {
                    Some((
                        part_number(&s.part_number)?,
                        part_number(&s.substitute_number)?,
                        SubstituteDirection::parse(&s.direction)?,
                    ))
                })
                .collect(),
        )
        .with_suppliers(self.suppliers.iter().map(|(_, code)| code.clone()))
    }
}

fn bump(counts: &mut Counts, existing: Option<bool>) -> bool {
    match existing {
        None => {
            counts.created += 1;
            true
        }
        Some(true) => {
            counts.unchanged += 1;
            false
        }
        Some(false) => {
            counts.updated += 1;
            true
        }
    }
}

impl App {
    /// Import a part master file (CSV: one `kind`; XLSX: every sheet named after a kind, or
    /// the first sheet as `kind`). Returns the report; `applied` is false and nothing is
    /// written when any row is bad.
    pub async fn import_part_master(
        &self,
        actor: &Actor,
        bytes: &[u8],
        format: Option<FileFormat>,
        kind: Kind,
    ) -> AppResult<ImportReport> {
        self.import_part_master_with(actor, bytes, format, kind, false)
            .await
    }

    /// Import, or with `dry_run` only check and count (the report then has `applied`
    /// false and no issues when the file is good).
    pub async fn import_part_master_with(
        &self,
        actor: &Actor,
        bytes: &[u8],
        format: Option<FileFormat>,
        kind: Kind,
        dry_run: bool,
    ) -> AppResult<ImportReport> {
        actor.require(PART_EDITORS, "import the part master")?;
        if bytes.len() > parts_io::MAX_IMPORT_BYTES {
            return Err(AppError::invalid(
                "file",
                format!(
                    "is {} bytes; the limit is {} bytes",
                    bytes.len(),
                    parts_io::MAX_IMPORT_BYTES
                ),
            ));
        }
        let format = format.unwrap_or_else(|| FileFormat::sniff(bytes));
        // Parsing happens before the write lock is taken: it is the slow, pure part.
        let (tables, read_issues) = parts_io::read_file(bytes, format, kind);
        let rows = tables.iter().map(|t| t.rows.len()).sum();
        let rejected = |issues| ImportReport {
            applied: false,
            format,
            rows,
            counts: BTreeMap::new(),
            issues,
        };
        if !read_issues.is_empty() {
            return Ok(rejected(read_issues));
        }
        let mut tx = self.db.begin_write().await?;
        let current = Current::load(&mut tx).await?;
        let valid = match parts_io::check_tables(&tables, &current.known()) {
            Ok(v) => v,
            // Dropping the transaction rolls it back: nothing was written anyway.
            Err(issues) => return Ok(rejected(issues)),
        };
        let now = self.now();
        let mut counts: BTreeMap<Kind, Counts> = valid
            .kinds
            .iter()
            .map(|k| (*k, Counts::default()))
            .collect();

        let mut part_ids: HashMap<PartNumber, PartId> = HashMap::new();
        let mut stored: HashMap<PartNumber, (PartId, Option<PartMaster>)> = HashMap::new();
        for p in &current.parts {
            if let Some(n) = part_number(&p.part_number) {
                part_ids.insert(n.clone(), PartId(p.id));
                stored.insert(n, (PartId(p.id), stored_to_master(p).ok()));
            }
        }
        let supplier_ids: HashMap<&str, i64> = current
            .suppliers
            .iter()
            .map(|(id, code)| (code.as_str(), *id))
            .collect();
        let c = counts.entry(Kind::Parts).or_default();
        for row in &valid.parts {
            let (id, supplier_changed) = match stored.get(&row.part.number) {
                None => {
                    c.created += 1;
                    let id = pm::insert_part_master(&mut tx, &row.part, now).await?;
                    part_ids.insert(row.part.number.clone(), id);
                    (id, row.supplier.is_some())
                }
                Some((id, old)) => {
                    let supplier_changed = row
                        .supplier
                        .as_ref()
                        .is_some_and(|s| current.part_suppliers.get(&id.0) != Some(s));
                    let same = old.as_ref() == Some(&row.part) && !supplier_changed;
                    if bump(c, Some(same)) && old.as_ref() != Some(&row.part) {
                        pm::update_part_master(&mut tx, *id, &row.part, now).await?;
                    }
                    (*id, supplier_changed)
                }
            };
            if let (true, Some(code)) = (supplier_changed, &row.supplier) {
                let supplier = supplier_ids.get(code.as_str()).copied().ok_or_else(|| {
                    AppError::Unexpected(format!("supplier {code} vanished during import"))
                })?;
                let lead = i64::from(row.part.lead_time.days());
                pm::set_part_supplier(&mut tx, id, supplier, lead).await?;
            }
        }
        let id_of = |n: &PartNumber| {
            part_ids
                .get(n)
                .copied()
                .ok_or_else(|| AppError::Unexpected(format!("part {n} vanished during import")))
        };

        let models: HashMap<&str, ProductModelId> = current
            .models
            .iter()
            .map(|m| (m.code.as_str(), ProductModelId(m.id)))
            .collect();
        let wu_old: HashMap<(i64, i64), i64> = current
            .where_used
            .iter()
            .map(|w| ((w.model_id, w.part_id), w.qty_per_unit))
            .collect();
        for row in &valid.where_used {
            let model = models[row.model_code.as_str()];
            let part = id_of(&row.part_number)?;
            let old = wu_old.get(&(model.0, part.0));
            let c = counts.entry(Kind::WhereUsed).or_default();
            if bump(c, old.map(|q| *q == row.qty_per_unit.get())) {
                pm::upsert_where_used(&mut tx, model, part, row.qty_per_unit.get()).await?;
            }
        }

        let sub_old: HashMap<(i64, i64), (&str, i64, &str)> = current
            .substitutes
            .iter()
            .map(|s| {
                (
                    (s.part_id, s.substitute_id),
                    (s.direction.as_str(), s.priority, s.instruction.as_str()),
                )
            })
            .collect();
        for row in &valid.substitutes {
            let (a, b) = (
                id_of(&row.part_number)?,
                id_of(&row.substitute_part_number)?,
            );
            let new = (
                row.direction.code(),
                i64::from(row.priority),
                row.instruction.as_str(),
            );
            let c = counts.entry(Kind::Substitutes).or_default();
            if bump(c, sub_old.get(&(a.0, b.0)).map(|o| *o == new)) {
                pm::upsert_substitute(&mut tx, a, b, row.direction, row.priority, &row.instruction)
                    .await?;
            }
        }

        let warehouses: HashMap<&str, WarehouseId> = current
            .warehouses
            .iter()
            .map(|w| (w.code.as_str(), WarehouseId(w.id)))
            .collect();
        let lv_old: HashMap<(i64, i64), (i64, Option<i64>)> = current
            .levels
            .iter()
            .map(|l| ((l.warehouse_id, l.part_id), (l.min_qty, l.max_qty)))
            .collect();
        for row in &valid.levels {
            let wh = warehouses[row.warehouse_code.as_str()];
            let part = id_of(&row.part_number)?;
            let new = (row.levels.min.get(), row.levels.max.map(Qty::get));
            let c = counts.entry(Kind::Levels).or_default();
            if bump(c, lv_old.get(&(wh.0, part.0)).map(|o| *o == new)) {
                pm::upsert_level(&mut tx, wh, part, new.0, new.1).await?;
            }
        }

        let changed = counts.values().any(|c| c.created + c.updated > 0);
        // A dry run drops the transaction: everything above is rolled back.
        if changed && !dry_run {
            let mut entry = actor.audit(now, "parts.import", "part_master", format.extension());
            entry.after = serde_json::to_value(&counts).ok();
            audit::record(&mut tx, &entry).await?;
            tx.commit().await?;
        }
        Ok(ImportReport {
            applied: !dry_run,
            format,
            rows: valid.rows(),
            counts,
            issues: Vec::new(),
        })
    }

    /// Export `kinds` of the part master (CSV: exactly one kind).
    pub async fn export_part_master(
        &self,
        actor: &Actor,
        format: FileFormat,
        kinds: &[Kind],
    ) -> AppResult<Vec<u8>> {
        actor.require(EVERYONE, "export the part master")?;
        if matches!(actor.scope(), Scope::Brand(_)) {
            return Err(AppError::forbidden("export the part master"));
        }
        let mut data = ExportData::default();
        if kinds.contains(&Kind::Parts) {
            let suppliers: HashMap<i64, String> =
                pm::part_suppliers(&self.db).await?.into_iter().collect();
            for p in pm::parts(&self.db).await? {
                if let (Some(code), Some(n)) = (suppliers.get(&p.id), part_number(&p.part_number)) {
                    data.part_suppliers.insert(n, code.clone());
                }
                let m = stored_to_master(&p).map_err(|e| {
                    AppError::Unexpected(format!("stored part {} is invalid: {e:?}", p.part_number))
                })?;
                data.parts.push(m);
            }
        }
        if kinds.contains(&Kind::WhereUsed) {
            for w in pm::where_used(&self.db, None, None).await? {
                if let (Some(n), Ok(q)) = (part_number(&w.part_number), Qty::new(w.qty_per_unit)) {
                    data.where_used.push((w.model_code, n, q));
                }
            }
        }
        if kinds.contains(&Kind::Substitutes) {
            for s in pm::substitutes(&self.db, None).await? {
                if let (Some(a), Some(b), Some(d)) = (
                    part_number(&s.part_number),
                    part_number(&s.substitute_number),
                    SubstituteDirection::parse(&s.direction),
                ) {
                    data.substitutes.push(SubstituteRow {
                        line: 0,
                        part_number: a,
                        substitute_part_number: b,
                        direction: d,
                        priority: u16::try_from(s.priority).unwrap_or(u16::MAX),
                        instruction: s.instruction,
                    });
                }
            }
        }
        if kinds.contains(&Kind::Levels) {
            let own = actor.own_station();
            for l in pm::levels(&self.db, None, None).await? {
                // A station sees only its own warehouse's levels.
                if own.is_some() && l.station_id.map(aftercare_domain::StationId) != own {
                    continue;
                }
                let (Some(n), Ok(min)) = (part_number(&l.part_number), Qty::new(l.min_qty)) else {
                    continue;
                };
                let max = l.max_qty.and_then(|m| Qty::new(m).ok());
                data.levels.push(LevelRow {
                    line: 0,
                    warehouse_code: l.warehouse_code,
                    part_number: n,
                    levels: StockLevels { min, max },
                });
            }
        }
        parts_io::export(&data, format, kinds).map_err(AppError::Unexpected)
    }

    /// An empty template for one kind.
    pub fn part_master_template(&self, format: FileFormat, kind: Kind) -> AppResult<Vec<u8>> {
        parts_io::template(format, kind).map_err(AppError::Unexpected)
    }

    /// Create a part; the part number must be new.
    pub async fn create_part(&self, actor: &Actor, draft: &PartDraft) -> AppResult<StoredPart> {
        actor.require(PART_EDITORS, "create parts")?;
        let master = draft.validate().map_err(AppError::Invalid)?;
        let mut tx = self.db.begin_write().await?;
        if pm::part_by_number(&mut tx, master.number.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::Conflict {
                code: "part.number_taken".into(),
                message: format!("part number {} already exists", master.number),
            });
        }
        let now = self.now();
        let id = pm::insert_part_master(&mut tx, &master, now).await?;
        let mut entry = actor.audit(now, "part.create", "part", master.number.as_str());
        entry.after = serde_json::to_value(&master).ok();
        audit::record(&mut tx, &entry).await?;
        let stored = pm::part(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::Unexpected("created part vanished".into()))?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Change a part's master data; the part number in the draft must be the part's own.
    pub async fn update_part(
        &self,
        actor: &Actor,
        id: PartId,
        draft: &PartDraft,
    ) -> AppResult<StoredPart> {
        actor.require(PART_EDITORS, "change parts")?;
        let master = draft.validate().map_err(AppError::Invalid)?;
        let mut tx = self.db.begin_write().await?;
        let old = pm::part(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("part"))?;
        if old.part_number != master.number.as_str() {
            return Err(AppError::invalid(
                "part_number",
                format!(
                    "cannot be changed (it is {}); create a new part and declare a substitute instead",
                    old.part_number
                ),
            ));
        }
        let now = self.now();
        pm::update_part_master(&mut tx, id, &master, now).await?;
        let mut entry = actor.audit(now, "part.update", "part", master.number.as_str());
        entry.before = serde_json::to_value(&old).ok();
        entry.after = serde_json::to_value(&master).ok();
        audit::record(&mut tx, &entry).await?;
        let stored = pm::part(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::Unexpected("updated part vanished".into()))?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One part by id (any role but brand users).
    pub async fn get_part(&self, actor: &Actor, id: PartId) -> AppResult<StoredPart> {
        self.require_parts_reader(actor)?;
        pm::part(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("part"))
    }

    /// One part by part number.
    pub async fn get_part_by_number(&self, actor: &Actor, number: &str) -> AppResult<StoredPart> {
        self.require_parts_reader(actor)?;
        let n = PartNumber::parse(number).map_err(|_| AppError::not_found("part"))?;
        pm::part_by_number(&self.db, n.as_str())
            .await?
            .ok_or_else(|| AppError::not_found("part"))
    }

    /// Search parts: a page and the total number of matches.
    pub async fn search_parts(
        &self,
        actor: &Actor,
        query: &str,
        category: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<StoredPart>, i64)> {
        self.require_parts_reader(actor)?;
        let limit = limit.clamp(1, 500);
        Ok(pm::search_parts(&self.db, query, category, limit, offset.max(0)).await?)
    }

    fn require_parts_reader(&self, actor: &Actor) -> AppResult<()> {
        actor.require(EVERYONE, "read the part master")?;
        if matches!(actor.scope(), Scope::Brand(_)) {
            return Err(AppError::forbidden("read the part master"));
        }
        Ok(())
    }

    /// The product models a part is used in.
    pub async fn models_using_part(
        &self,
        actor: &Actor,
        part: PartId,
    ) -> AppResult<Vec<WhereUsedRecord>> {
        self.get_part(actor, part).await?;
        Ok(pm::where_used(&self.db, Some(part), None).await?)
    }

    /// The parts of a product model.
    pub async fn parts_of_model(
        &self,
        actor: &Actor,
        model_code: &str,
    ) -> AppResult<Vec<WhereUsedRecord>> {
        self.require_parts_reader(actor)?;
        let model = pm::models(&self.db)
            .await?
            .into_iter()
            .find(|m| m.code.eq_ignore_ascii_case(model_code.trim()))
            .ok_or_else(|| AppError::not_found("product model"))?;
        Ok(pm::where_used(&self.db, None, Some(ProductModelId(model.id))).await?)
    }

    /// Set (or, with `qty_per_unit` 0, remove) the quantity of a part in a product model.
    pub async fn set_where_used(
        &self,
        actor: &Actor,
        model_code: &str,
        part: PartId,
        qty_per_unit: i64,
    ) -> AppResult<()> {
        actor.require(PART_EDITORS, "change where-used")?;
        if qty_per_unit < 0 {
            return Err(AppError::invalid("qty_per_unit", "must not be negative"));
        }
        let mut tx = self.db.begin_write().await?;
        let model = pm::models(&mut tx)
            .await?
            .into_iter()
            .find(|m| m.code.eq_ignore_ascii_case(model_code.trim()))
            .ok_or_else(|| AppError::not_found("product model"))?;
        let p = pm::part(&mut tx, part)
            .await?
            .ok_or_else(|| AppError::not_found("part"))?;
        let model_id = ProductModelId(model.id);
        if qty_per_unit == 0 {
            if !pm::delete_where_used(&mut tx, model_id, part).await? {
                return Err(AppError::not_found("where-used row"));
            }
        } else {
            pm::upsert_where_used(&mut tx, model_id, part, qty_per_unit).await?;
        }
        let mut entry = self.now_audit(actor, "part.where_used", &p.part_number);
        entry.after =
            Some(serde_json::json!({ "model": model.code, "qty_per_unit": qty_per_unit }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    fn now_audit(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
    ) -> aftercare_store::audit::NewAuditEntry {
        actor.audit(self.now(), action, "part", object)
    }

    /// Substitutes declared for or with a part, and the options offered when it is issued
    /// (declared direction only, in priority order, chains never followed).
    pub async fn substitutes_of_part(
        &self,
        actor: &Actor,
        part: PartId,
    ) -> AppResult<Vec<SubstituteRecord>> {
        self.get_part(actor, part).await?;
        Ok(pm::substitutes(&self.db, Some(part)).await?)
    }

    /// Declare (or change) a substitute: `substitute` may be fitted instead of `part`
    /// (and the reverse when both ways).
    pub async fn set_substitute(
        &self,
        actor: &Actor,
        part: PartId,
        substitute: PartId,
        direction: SubstituteDirection,
        priority: u16,
        instruction: &str,
    ) -> AppResult<()> {
        actor.require(PART_EDITORS, "declare substitutes")?;
        let rule = SubstituteRule::new(part, substitute, direction, priority, instruction)?;
        let mut tx = self.db.begin_write().await?;
        let a = pm::part(&mut tx, part)
            .await?
            .ok_or_else(|| AppError::not_found("part"))?;
        pm::part(&mut tx, substitute)
            .await?
            .ok_or_else(|| AppError::not_found("substitute part"))?;
        // The new rule must not declare a pair another rule already offers.
        let mut rules: Vec<SubstituteRule> = pm::substitutes(&mut tx, None)
            .await?
            .into_iter()
            .filter(|s| (s.part_id, s.substitute_id) != (part.0, substitute.0))
            .filter_map(|s| {
                SubstituteRule::new(
                    PartId(s.part_id),
                    PartId(s.substitute_id),
                    SubstituteDirection::parse(&s.direction)?,
                    1,
                    "",
                )
                .ok()
            })
            .collect();
        rules.push(rule.clone());
        if let Err(errors) = check_rules(&rules)
            && errors.iter().any(|(i, _)| *i == rules.len() - 1)
        {
            return Err(AppError::Conflict {
                code: "part.substitute_declared".into(),
                message: "this pair is already declared (in one or both directions)".into(),
            });
        }
        pm::upsert_substitute(
            &mut tx,
            part,
            substitute,
            direction,
            priority,
            &rule.instruction,
        )
        .await?;
        let mut entry = self.now_audit(actor, "part.substitute", &a.part_number);
        entry.after = serde_json::to_value(&rule).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remove a substitute rule.
    pub async fn remove_substitute(
        &self,
        actor: &Actor,
        part: PartId,
        substitute: PartId,
    ) -> AppResult<()> {
        actor.require(PART_EDITORS, "remove substitutes")?;
        let mut tx = self.db.begin_write().await?;
        if !pm::delete_substitute(&mut tx, part, substitute).await? {
            return Err(AppError::not_found("substitute rule"));
        }
        let entry = self.now_audit(
            actor,
            "part.substitute_remove",
            &format!("{part}->{substitute}"),
        );
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Manual min/max overrides of a part, limited to the actor's own warehouse for
    /// station users.
    pub async fn part_levels(&self, actor: &Actor, part: PartId) -> AppResult<Vec<LevelRecord>> {
        self.get_part(actor, part).await?;
        let own = actor.own_station();
        Ok(pm::levels(&self.db, Some(part), None)
            .await?
            .into_iter()
            .filter(|l| own.is_none() || l.station_id.map(aftercare_domain::StationId) == own)
            .collect())
    }

    /// Set (or with `min` None remove) a warehouse's manual min/max for a part. Station
    /// users may only set their own warehouse's levels.
    pub async fn set_part_level(
        &self,
        actor: &Actor,
        warehouse: WarehouseId,
        part: PartId,
        levels: Option<(i64, Option<i64>)>,
    ) -> AppResult<()> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Warehouse, Role::Station],
            "set stock levels",
        )?;
        let mut tx = self.db.begin_write().await?;
        let wh = pm::warehouses(&mut tx)
            .await?
            .into_iter()
            .find(|w| w.id == warehouse.0)
            .ok_or_else(|| AppError::not_found("warehouse"))?;
        actor.ensure_station_visible(wh.station(), "warehouse")?;
        let p = pm::part(&mut tx, part)
            .await?
            .ok_or_else(|| AppError::not_found("part"))?;
        match levels {
            None => {
                if !pm::delete_level(&mut tx, warehouse, part).await? {
                    return Err(AppError::not_found("stock level override"));
                }
            }
            Some((min, max)) => {
                let q = StockLevels::level;
                let l = StockLevels::new(q("min", min)?, max.map(|m| q("max", m)).transpose()?)?;
                pm::upsert_level(&mut tx, warehouse, part, l.min.get(), l.max.map(Qty::get))
                    .await?;
            }
        }
        let mut entry = self.now_audit(actor, "part.levels", &p.part_number);
        entry.after = Some(serde_json::json!({ "warehouse": wh.code, "levels": levels }));
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whether the actor may change the part master (pages show or hide edit controls).
pub fn may_edit_parts(actor: &Actor) -> bool {
    actor.require(PART_EDITORS, "").is_ok()
}

/// The stored (normalised) form of a typed part number, if it is a valid one.
pub fn stored_part_number(text: &str) -> Option<String> {
    PartNumber::parse(text).ok().map(String::from)
}
