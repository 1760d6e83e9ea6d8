//! Read-only views of parts and stock for the warehouse pages: stock with value, part
//! detail, movement history (with export), in transit, slow-moving stock.
//!
//! Tenancy: a station user sees only its own warehouse's stock; asking for another
//! station's warehouse is "not found" (the rule lives in [`crate::access`]).

use crate::App;
use crate::access::{Actor, EVERYONE};
use crate::error::{AppError, AppResult};
use crate::parts::{LevelRecord, StoredPart, SubstituteRecord, WhereUsedRecord};
use crate::parts_io::FileFormat;
use aftercare_domain::{Instant, PartId, Scope, StationId, WarehouseId};
use aftercare_store::part_master as pm;
pub use aftercare_store::part_master::{SlowRow, WarehouseRef};
use aftercare_store::stock::query::{self as q, MovementFilter, StockFilter};
pub use aftercare_store::stock::query::{MovementRow, StockRow, TransitRow};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

/// Everything the part detail page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PartDetail {
    /// The part.
    pub part: StoredPart,
    /// Stock in every visible warehouse and condition.
    pub stock: Vec<StockRow>,
    /// Units on the road.
    pub in_transit: Vec<TransitRow>,
    /// Latest movements.
    pub movements: Vec<MovementRow>,
    /// Substitutes declared for or with the part.
    pub substitutes: Vec<SubstituteRecord>,
    /// Product models using it.
    pub where_used: Vec<WhereUsedRecord>,
    /// Manual min/max overrides.
    pub levels: Vec<LevelRecord>,
}

/// Filters of the stock and movement views.
#[derive(Debug, Clone, Default)]
pub struct StockQuery {
    /// One warehouse.
    pub warehouse: Option<WarehouseId>,
    /// One part.
    pub part: Option<PartId>,
    /// One condition (good, repaired, defective, scrap, quarantine).
    pub condition: Option<String>,
    /// Movement kind code.
    pub kind: Option<String>,
    /// Movements at or after.
    pub from: Option<Instant>,
    /// Movements before.
    pub to: Option<Instant>,
    /// Row limit.
    pub limit: i64,
}

/// One column value of an exported table.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
}

/// Write a table as CSV (UTF-8 with BOM) or a one-sheet XLSX.
pub fn table_file(
    format: FileFormat,
    sheet: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
) -> AppResult<Vec<u8>> {
    let fail = |e: String| AppError::Unexpected(format!("export failed: {e}"));
    match format {
        FileFormat::Csv => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(header).map_err(|e| fail(e.to_string()))?;
                for r in rows {
                    w.write_record(r.iter().map(|c| match c {
                        Cell::Text(s) => s.clone(),
                        Cell::Int(i) => i.to_string(),
                    }))
                    .map_err(|e| fail(e.to_string()))?;
                }
                w.flush().map_err(|e| fail(e.to_string()))?;
            }
            Ok(out)
        }
        FileFormat::Xlsx => {
            let mut wb = Workbook::new();
            let bold = Format::new().set_bold();
            let ws = wb.add_worksheet();
            ws.set_name(sheet).map_err(|e| fail(e.to_string()))?;
            for (c, h) in header.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(|e| fail(e.to_string()))?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let (r, c) = (r as u32 + 1, c as u16);
                    match v {
                        Cell::Text(s) => ws.write_string(r, c, s),
                        Cell::Int(i) => ws.write_number(r, c, *i as f64),
                    }
                    .map_err(|e| fail(e.to_string()))?;
                }
            }
            wb.save_to_buffer().map_err(|e| fail(e.to_string()))
        }
    }
}

/// A condition filter that names a condition (a value that names none is named, not
/// answered with an empty list).
pub(crate) fn known_condition(condition: Option<&str>) -> AppResult<()> {
    match condition {
        Some(c) if aftercare_domain::stock::StockCondition::parse(c).is_none() => Err(
            AppError::invalid("condition", format!("unknown condition '{c}'")),
        ),
        _ => Ok(()),
    }
}

/// A movement-kind filter that names a kind (a value that names none is named, not
/// answered with an empty list).
pub(crate) fn known_movement_kind(kind: Option<&str>) -> AppResult<()> {
    match kind {
        Some(k) if aftercare_domain::stock::MovementKind::parse(k).is_none() => Err(
            AppError::invalid("kind", format!("unknown movement kind '{k}'")),
        ),
        _ => Ok(()),
    }
}

impl App {
    pub(crate) fn stock_reader(&self, actor: &Actor) -> AppResult<Option<StationId>> {
        actor.require(EVERYONE, "see stock")?;
        match actor.scope() {
            Scope::Brand(_) => Err(AppError::forbidden("see stock")),
            Scope::Station(s) => Ok(Some(s)),
            Scope::All => Ok(None),
        }
    }

    /// Fail with NotFound unless the warehouse exists and is in the actor's scope.
    async fn visible_warehouse(&self, actor: &Actor, w: WarehouseId) -> AppResult<()> {
        match q::warehouse_station(&self.db, w).await? {
            None => Err(AppError::not_found("warehouse")),
            Some(station) => actor.ensure_station_visible(station, "warehouse"),
        }
    }

    /// Warehouses the actor may pick in filters.
    pub async fn visible_warehouses(&self, actor: &Actor) -> AppResult<Vec<WarehouseRef>> {
        let own = self.stock_reader(actor)?;
        Ok(pm::warehouses(&self.db)
            .await?
            .into_iter()
            .filter(|w| own.is_none() || w.station() == own)
            .collect())
    }

    /// Stock by warehouse, part and condition with value.
    pub async fn stock_view(&self, actor: &Actor, f: &StockQuery) -> AppResult<Vec<StockRow>> {
        let own = self.stock_reader(actor)?;
        known_condition(f.condition.as_deref())?;
        if let Some(w) = f.warehouse {
            self.visible_warehouse(actor, w).await?;
        }
        Ok(q::stock(
            &self.db,
            &StockFilter {
                warehouse: f.warehouse,
                part: f.part.map(|p| p.0),
                condition: f.condition.clone(),
                station: own,
                limit: f.limit.clamp(1, 20_000),
            },
        )
        .await?)
    }

    /// Movement history, newest first.
    pub async fn movement_view(
        &self,
        actor: &Actor,
        f: &StockQuery,
    ) -> AppResult<Vec<MovementRow>> {
        let own = self.stock_reader(actor)?;
        known_movement_kind(f.kind.as_deref())?;
        if let Some(w) = f.warehouse {
            self.visible_warehouse(actor, w).await?;
        }
        Ok(q::movements(
            &self.db,
            &MovementFilter {
                warehouse: f.warehouse,
                part: f.part.map(|p| p.0),
                kind: f.kind.clone(),
                from: f.from,
                to: f.to,
                station: own,
                before_id: None,
                limit: f.limit.clamp(1, 100_000),
            },
        )
        .await?)
    }

    /// Movement history as a CSV or XLSX file.
    pub async fn movement_export(
        &self,
        actor: &Actor,
        f: &StockQuery,
        format: FileFormat,
    ) -> AppResult<Vec<u8>> {
        let rows = self.movement_view(actor, f).await?;
        let tz = self.company_settings().await?.time_zone;
        let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
        let at = |ms: i64| {
            Instant(ms)
                .to_utc()
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        let table: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|m| {
                vec![
                    Cell::Int(m.id),
                    Cell::Text(at(m.at)),
                    Cell::Text(m.kind),
                    Cell::Text(m.part_number),
                    Cell::Int(m.qty),
                    Cell::Text(m.from_location),
                    Cell::Text(m.to_location),
                    Cell::Text(m.document_kind.unwrap_or_default()),
                    Cell::Text(m.document_id.map(|d| d.to_string()).unwrap_or_default()),
                ]
            })
            .collect();
        table_file(
            format,
            "movements",
            &[
                "id",
                "at",
                "kind",
                "part_number",
                "qty",
                "from",
                "to",
                "document_kind",
                "document_id",
            ],
            &table,
        )
    }

    /// Units in transit (to one warehouse or all visible), by ETA; `overdue` marks late ones.
    pub async fn in_transit_view(
        &self,
        actor: &Actor,
        to: Option<WarehouseId>,
        part: Option<PartId>,
    ) -> AppResult<Vec<TransitRow>> {
        let own = self.stock_reader(actor)?;
        if let Some(w) = to {
            self.visible_warehouse(actor, w).await?;
        }
        Ok(q::in_transit(&self.db, to, part.map(|p| p.0), own, self.now()).await?)
    }

    /// Good/repaired stock not issued for `months` months (or never), most valuable first.
    pub async fn slow_moving_view(
        &self,
        actor: &Actor,
        months: i64,
        warehouse: Option<WarehouseId>,
    ) -> AppResult<Vec<SlowRow>> {
        let own = self.stock_reader(actor)?;
        if !(1..=120).contains(&months) {
            return Err(AppError::invalid("months", "must be between 1 and 120"));
        }
        if let Some(w) = warehouse {
            self.visible_warehouse(actor, w).await?;
        }
        let cutoff = Instant(self.now().0 - months * 30 * 24 * 3600 * 1000);
        Ok(pm::slow_moving(&self.db, cutoff, warehouse, own, 2_000).await?)
    }

    /// The part detail page: master data, stock everywhere visible, in transit, recent
    /// movements, substitutes, where-used and manual levels.
    pub async fn part_detail(&self, actor: &Actor, id: PartId) -> AppResult<PartDetail> {
        let own = self.stock_reader(actor)?;
        let part = self.get_part(actor, id).await?;
        let stock = q::stock(
            &self.db,
            &StockFilter {
                part: Some(id.0),
                station: own,
                limit: 5_000,
                ..StockFilter::default()
            },
        )
        .await?;
        let in_transit = q::in_transit(&self.db, None, Some(id.0), own, self.now()).await?;
        let movements = q::movements(
            &self.db,
            &MovementFilter {
                part: Some(id.0),
                station: own,
                limit: 30,
                ..MovementFilter::default()
            },
        )
        .await?;
        Ok(PartDetail {
            part,
            stock,
            in_transit,
            movements,
            substitutes: pm::substitutes(&self.db, Some(id)).await?,
            where_used: pm::where_used(&self.db, Some(id), None).await?,
            levels: self.part_levels(actor, id).await?,
        })
    }
}

impl App {
    /// Read a stocktake count file (CSV or XLSX; columns `part_number`/零件号,
    /// `condition`/状态, `counted`/实盘数量). Every bad row is reported (as
    /// `line N, column C (cell)`), or the counts with part ids.
    pub async fn parse_count_file(
        &self,
        actor: &Actor,
        bytes: &[u8],
    ) -> AppResult<
        Vec<(
            PartId,
            aftercare_domain::stock::StockCondition,
            aftercare_domain::stock::Qty,
        )>,
    > {
        use crate::parts_io::{Kind, read_file};
        use aftercare_domain::ValidationError;
        use aftercare_domain::stock::{Qty, StockCondition};
        self.stock_reader(actor)?;
        let (tables, issues) = read_file(bytes, FileFormat::sniff(bytes), Kind::Parts);
        let mut errors: Vec<ValidationError> = issues
            .iter()
            .map(|i| ValidationError::new(format!("line {}", i.line), i.reason.clone()))
            .collect();
        let Some(t) = tables.first() else {
            return Err(AppError::Invalid(errors));
        };
        let col = |names: &[&str]| {
            t.header
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        };
        let (Some(pc), Some(cc), Some(qc)) = (
            col(&["part_number", "零件号"]),
            col(&["condition", "状态"]),
            col(&["counted", "实盘数量"]),
        ) else {
            errors.push(ValidationError::new(
                format!("line {}", t.header_line),
                "the header must have part_number, condition and counted",
            ));
            return Err(AppError::Invalid(errors));
        };
        let ids: std::collections::HashMap<String, i64> = pm::parts(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.part_number, p.id))
            .collect();
        let mut out = Vec::with_capacity(t.rows.len());
        for row in &t.rows {
            let at = |c: usize| {
                let mut s = format!("line {}, column {}", row.line, t.header[c]);
                if let Some(cell) = t.cell(c, row.line) {
                    s.push_str(&format!(" ({cell})"));
                }
                s
            };
            let cell = |c: usize| row.cells.get(c).map_or("", |s| s.trim());
            let part =
                crate::parts::stored_part_number(cell(pc)).and_then(|n| ids.get(&n).copied());
            if part.is_none() {
                errors.push(ValidationError::new(
                    at(pc),
                    format!("unknown part '{}'", cell(pc)),
                ));
            }
            let cond = StockCondition::parse(cell(cc));
            if cond.is_none() {
                errors.push(ValidationError::new(
                    at(cc),
                    format!("unknown condition '{}'", cell(cc)),
                ));
            }
            let counted = cell(qc).parse::<i64>().ok().and_then(|n| Qty::new(n).ok());
            let max = aftercare_domain::stock::MAX_UNITS_PER_LINE;
            match counted {
                None => errors.push(ValidationError::new(
                    at(qc),
                    format!("'{}' is not a whole number ≥ 0", cell(qc)),
                )),
                // Named here by its line: the ledger's own refusal names no row.
                Some(q) if q.get() > max => errors.push(ValidationError::new(
                    at(qc),
                    format!("must be at most {max} units a line"),
                )),
                Some(_) => {}
            }
            if let (Some(p), Some(c), Some(q)) = (part, cond, counted) {
                out.push((PartId(p), c, q));
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(AppError::Invalid(errors))
        }
    }
}
