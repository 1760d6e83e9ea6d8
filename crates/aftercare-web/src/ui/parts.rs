//! Warehouse pages: the part master (search, detail, import/export), stock with value,
//! movement history with export, in transit, slow-moving stock.

use super::{Page, app_error_page, format_instant, render};
use super::{PagePath, PageQuery};
use crate::api::parts::download;
use crate::i18n::Tr;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::parts::{ImportReport, may_edit_parts};
use aftercare_app::parts_io::{FileFormat, Kind};
use aftercare_app::stock_views::StockQuery;
use aftercare_app::{Actor, AppError};
use aftercare_domain::settings::Lang;
use aftercare_domain::stock::MovementKind;
use aftercare_domain::{Instant, Money, PartId, WarehouseId};
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

const PAGE_SIZE: i64 = 50;

fn money(minor: i64) -> String {
    Money(minor).to_string()
}

/// A part row of the list.
pub struct PartRow {
    id: i64,
    number: String,
    name: String,
    category: String,
    unit: String,
    cost: String,
    lifecycle_key: &'static str,
    key_part: bool,
}

fn lifecycle_key(eop: Option<&str>, eos: Option<&str>, today: &str) -> &'static str {
    match (eop, eos) {
        (_, Some(d)) if d <= today => "parts.lc.end_of_service",
        (Some(d), _) if d <= today => "parts.lc.end_of_production",
        _ => "parts.lc.active",
    }
}

#[derive(Template)]
#[template(path = "parts.html")]
struct PartsTemplate {
    page: Page,
    q: String,
    rows: Vec<PartRow>,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
    may_edit: bool,
    kinds: Vec<(&'static str, &'static str)>,
}

/// Part list parameters.
#[derive(Deserialize, Default)]
pub struct PartsQuery {
    q: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    offset: Option<i64>,
}

fn kind_options() -> Vec<(&'static str, &'static str)> {
    Kind::ALL
        .iter()
        .map(|k| {
            (
                k.code(),
                match k {
                    Kind::Parts => "parts.kind.parts",
                    Kind::WhereUsed => "parts.kind.where_used",
                    Kind::Substitutes => "parts.kind.substitutes",
                    Kind::Levels => "parts.kind.levels",
                },
            )
        })
        .collect()
}

/// `GET /parts`.
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(p): PageQuery<PartsQuery>,
) -> Response {
    let actor = user.actor();
    let q = p.q.unwrap_or_default();
    let offset = p.offset.unwrap_or(0).max(0);
    let found = match state.app.company_today().await {
        Ok(today) => state
            .app
            .search_parts(&actor, &q, None, PAGE_SIZE, offset)
            .await
            .map(|found| (found, today.format("%Y-%m-%d").to_string())),
        Err(e) => Err(e),
    };
    match found {
        Ok(((rows, total), today)) => render(&PartsTemplate {
            page: Page::for_user(&user, "parts.title", "/parts"),
            rows: rows
                .into_iter()
                .map(|r| PartRow {
                    lifecycle_key: lifecycle_key(
                        r.end_of_production_on.as_deref(),
                        r.end_of_service_on.as_deref(),
                        &today,
                    ),
                    key_part: r.criticality == "key",
                    id: r.id,
                    number: r.part_number,
                    name: r.name_zh,
                    category: r.category.unwrap_or_default(),
                    unit: r.unit,
                    cost: money(r.standard_cost),
                })
                .collect(),
            q,
            total,
            prev: (offset > 0).then(|| (offset - PAGE_SIZE).max(0)),
            next: (offset + PAGE_SIZE < total).then_some(offset + PAGE_SIZE),
            may_edit: may_edit_parts(&actor),
            kinds: kind_options(),
        }),
        Err(e) => app_error_page(&user, &e),
    }
}

#[derive(Template)]
#[template(path = "part_import.html")]
struct ImportTemplate {
    page: Page,
    report: ImportReport,
    counts: Vec<(&'static str, usize, usize, usize)>,
}

impl ImportTemplate {
    /// An issue's reason in the page's language (as a refused form's reasons are shown).
    fn reason_text(&self, reason: &str) -> String {
        match self.page.tr.lang {
            Lang::ZhCn => {
                crate::i18n::reasons::reason_zh(reason).unwrap_or_else(|| reason.to_string())
            }
            Lang::En => reason.to_string(),
        }
    }
}

/// `POST /parts/import` (multipart: `file`, `kind`, `dry_run`; the CSRF token rides in
/// the query string because the middleware cannot read a multipart body).
pub async fn import(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    super::PageMultipart(mut form): super::PageMultipart,
) -> Response {
    let mut bytes = Vec::new();
    let mut kind = Kind::Parts;
    let mut dry_run = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return app_error_page(&user, &AppError::invalid("file", e.body_text())),
        };
        match field.name().unwrap_or_default() {
            "file" => match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(e) => return app_error_page(&user, &AppError::invalid("file", e.body_text())),
            },
            "kind" => {
                if let Ok(t) = field.text().await {
                    kind = Kind::parse(&t).unwrap_or(Kind::Parts);
                }
            }
            "dry_run" => dry_run = true,
            _ => {}
        }
    }
    let result = if bytes.is_empty() {
        Err(AppError::invalid("file", "choose a CSV or XLSX file"))
    } else {
        state
            .app
            .import_part_master_with(&user.actor(), &bytes, None, kind, dry_run)
            .await
    };
    match result {
        Ok(report) => {
            let counts = report
                .counts
                .iter()
                .map(|(k, c)| (k.code(), c.created, c.updated, c.unchanged))
                .collect();
            // A file with problems imports nothing: 422, as the API answers it.
            let refused = !report.issues.is_empty();
            let mut resp = render(&ImportTemplate {
                page: Page::for_user(&user, "parts.import.title", "/parts"),
                report,
                counts,
            });
            if refused {
                *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            }
            resp
        }
        Err(e) => app_error_page(&user, &e),
    }
}

/// Export / template parameters.
#[derive(Deserialize, Default)]
pub struct FileQuery {
    format: Option<String>,
    kind: Option<String>,
}

impl FileQuery {
    fn format(&self) -> FileFormat {
        self.format
            .as_deref()
            .and_then(FileFormat::parse)
            .unwrap_or(FileFormat::Xlsx)
    }

    fn kind(&self) -> Option<Kind> {
        self.kind.as_deref().and_then(Kind::parse)
    }
}

/// `GET /parts/export`.
pub async fn export(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(f): PageQuery<FileQuery>,
) -> Response {
    let format = f.format();
    let kinds = match (f.kind(), format) {
        (Some(k), _) => vec![k],
        (None, FileFormat::Csv) => vec![Kind::Parts],
        (None, FileFormat::Xlsx) => Kind::ALL.to_vec(),
    };
    match state
        .app
        .export_part_master(&user.actor(), format, &kinds)
        .await
    {
        Ok(bytes) => download(format, "part-master", bytes),
        Err(e) => app_error_page(&user, &e),
    }
}

/// `GET /parts/template`.
pub async fn template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(f): PageQuery<FileQuery>,
) -> Response {
    let kind = f.kind().unwrap_or(Kind::Parts);
    match state.app.part_master_template(f.format(), kind) {
        Ok(bytes) => download(f.format(), &format!("template-{}", kind.code()), bytes),
        Err(e) => app_error_page(&user, &e),
    }
}

/// A stock line for display.
pub struct StockLine {
    warehouse: String,
    warehouse_id: i64,
    part_id: i64,
    part_number: String,
    part_name: String,
    condition_key: &'static str,
    qty: i64,
    value: String,
}

/// The words of a stock condition's code (`good` → 良品 / Good).
pub(crate) fn condition_key(c: &str) -> &'static str {
    match c {
        "good" => "stock.cond.good",
        "repaired" => "stock.cond.repaired",
        "defective" => "stock.cond.defective",
        "scrap" => "stock.cond.scrap",
        "quarantine" => "stock.cond.quarantine",
        _ => "stock.cond.other",
    }
}

/// A movement for display.
pub struct MoveLine {
    id: i64,
    at: String,
    kind: String,
    part_id: i64,
    part_number: String,
    qty: i64,
    from: String,
    to: String,
    document: String,
}

/// An in-transit line for display.
pub struct TransitLine {
    transfer: i64,
    from: String,
    to: String,
    part_id: i64,
    part_number: String,
    condition_key: &'static str,
    qty: i64,
    shipped: String,
    eta: String,
    overdue: bool,
}

/// A page total that stays at the end of the range rather than wrapping: the ledger takes
/// quantities up to the integer range, and a wrapped sum read as a negative value.
fn saturating_sum(values: impl Iterator<Item = i64>) -> i64 {
    values.fold(0i64, i64::saturating_add)
}

/// A stored code in words, from the table under `prefix` (the code itself where the table
/// has none, e.g. a kind the ledger gained later: a planner still reads what was stored).
pub(crate) fn code_text(tr: &Tr, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    if Tr::has(&key) {
        tr.t(&key).to_string()
    } else {
        code.to_string()
    }
}

/// Human text for a location key `kind:warehouse:condition:reference`.
pub(crate) fn location_text(tr: &Tr, key: &str, codes: &HashMap<i64, String>) -> String {
    let mut p = key.split(':');
    let (kind, wh, cond, reference) = (
        p.next().unwrap_or(""),
        p.next().unwrap_or("-"),
        p.next().unwrap_or("-"),
        p.next().unwrap_or("-"),
    );
    let mut out = code_text(tr, "move.loc", kind);
    if let Ok(w) = wh.parse::<i64>() {
        out.push(' ');
        out.push_str(codes.get(&w).map_or(&format!("#{w}"), |c| c));
    }
    if cond != "-" {
        out.push(' ');
        out.push_str(&code_text(tr, "stock.cond", cond));
    }
    if reference != "-" {
        out.push_str(" #");
        out.push_str(reference);
    }
    out
}

struct Ctx {
    codes: HashMap<i64, String>,
    tz: String,
}

async fn ctx(state: &AppState, actor: &Actor) -> Result<Ctx, AppError> {
    let codes = state
        .app
        .visible_warehouses(actor)
        .await?
        .into_iter()
        .map(|w| (w.id, w.code))
        .collect();
    let tz = state.app.company_settings().await?.time_zone;
    Ok(Ctx { codes, tz })
}

impl Ctx {
    fn code(&self, id: i64) -> String {
        self.codes
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    fn moves(&self, tr: &Tr, rows: Vec<aftercare_app::stock_views::MovementRow>) -> Vec<MoveLine> {
        rows.into_iter()
            .map(|m| MoveLine {
                id: m.id,
                at: format_instant(m.at, &self.tz),
                kind: code_text(tr, "move.kind", &m.kind),
                part_id: m.part_id,
                part_number: m.part_number,
                qty: m.qty,
                from: location_text(tr, &m.from_location, &self.codes),
                to: location_text(tr, &m.to_location, &self.codes),
                document: match (m.document_kind, m.document_id) {
                    (Some(k), Some(i)) => format!("{} #{i}", code_text(tr, "move.doc", &k)),
                    _ => String::new(),
                },
            })
            .collect()
    }

    fn transit(&self, rows: Vec<aftercare_app::stock_views::TransitRow>) -> Vec<TransitLine> {
        rows.into_iter()
            .map(|t| TransitLine {
                transfer: t.transfer_id,
                from: self.code(t.from_warehouse_id),
                to: self.code(t.to_warehouse_id),
                part_id: t.part_id,
                part_number: t.part_number,
                condition_key: condition_key(&t.condition),
                qty: t.qty,
                shipped: format_instant(t.shipped_at, &self.tz),
                eta: format_instant(t.eta, &self.tz),
                overdue: t.overdue,
            })
            .collect()
    }

    fn stock(&self, rows: Vec<aftercare_app::stock_views::StockRow>) -> Vec<StockLine> {
        rows.into_iter()
            .map(|s| StockLine {
                warehouse: s.warehouse_code,
                warehouse_id: s.warehouse_id,
                part_id: s.part_id,
                part_number: s.part_number,
                part_name: s.part_name,
                condition_key: condition_key(&s.condition),
                qty: s.qty,
                value: money(s.value),
            })
            .collect()
    }
}

/// A label/value fact of the part detail.
pub struct Fact {
    key: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "part.html")]
struct PartTemplate {
    page: Page,
    number: String,
    name: String,
    facts: Vec<Fact>,
    rows: Vec<StockLine>,
    total_qty: i64,
    total_value: String,
    transit: Vec<TransitLine>,
    moves: Vec<MoveLine>,
    substitutes: Vec<(i64, String, String, &'static str, i64, String)>,
    where_used: Vec<(String, String, i64)>,
    levels: Vec<(String, i64, String)>,
}

/// `GET /parts/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
) -> Response {
    let actor = user.actor();
    let result = async {
        let d = state.app.part_detail(&actor, PartId(id)).await?;
        let c = ctx(&state, &actor).await?;
        Ok::<_, AppError>((d, c))
    }
    .await;
    let (d, c) = match result {
        Ok(v) => v,
        Err(e) => return app_error_page(&user, &e),
    };
    let p = &d.part;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let facts = vec![
        Fact {
            key: "parts.name_en",
            value: opt(&p.name_en),
        },
        Fact {
            key: "parts.specification",
            value: opt(&p.specification),
        },
        Fact {
            key: "parts.category",
            value: opt(&p.category),
        },
        Fact {
            key: "parts.unit",
            value: p.unit.clone(),
        },
        Fact {
            key: "parts.cost",
            value: money(p.standard_cost),
        },
        Fact {
            key: "parts.source",
            value: code_text(&Tr::new(user.lang), "parts.source", &p.source),
        },
        Fact {
            key: "parts.lead_time",
            value: p.lead_time_days.to_string(),
        },
        Fact {
            key: "parts.criticality",
            value: code_text(&Tr::new(user.lang), "parts.criticality", &p.criticality),
        },
        Fact {
            key: "parts.end_of_production",
            value: opt(&p.end_of_production_on),
        },
        Fact {
            key: "parts.end_of_service",
            value: opt(&p.end_of_service_on),
        },
        Fact {
            key: "parts.notes",
            value: opt(&p.notes),
        },
    ];
    let total_qty = saturating_sum(d.stock.iter().map(|s| s.qty));
    let total_value = money(saturating_sum(d.stock.iter().map(|s| s.value)));
    let substitutes = d
        .substitutes
        .iter()
        .map(|s| {
            // Show the other part of the rule, seen from this part.
            let (other_id, other_no) = if s.part_id == p.id {
                (s.substitute_id, s.substitute_number.clone())
            } else {
                (s.part_id, s.part_number.clone())
            };
            let dir = match (s.direction.as_str(), s.part_id == p.id) {
                ("both_ways", _) => "parts.sub.both_ways",
                (_, true) => "parts.sub.replaces",
                _ => "parts.sub.replaced_by_this",
            };
            (
                other_id,
                other_no,
                s.substitute_name.clone(),
                dir,
                s.priority,
                s.instruction.clone(),
            )
        })
        .collect();
    let page = Page::for_user(&user, "parts.detail.title", "/parts");
    let moves = c.moves(&page.tr, d.movements.clone());
    render(&PartTemplate {
        page,
        number: p.part_number.clone(),
        name: p.name_zh.clone(),
        facts,
        rows: c.stock(d.stock.clone()),
        total_qty,
        total_value,
        transit: c.transit(d.in_transit.clone()),
        moves,
        substitutes,
        where_used: d
            .where_used
            .iter()
            .map(|w| (w.model_code.clone(), w.model_name.clone(), w.qty_per_unit))
            .collect(),
        levels: d
            .levels
            .iter()
            .map(|l| {
                (
                    l.warehouse_code.clone(),
                    l.min_qty,
                    l.max_qty.map_or("—".into(), |m| m.to_string()),
                )
            })
            .collect(),
    })
}

/// Filters of the stock pages, as typed in the form.
#[derive(Deserialize, Default, Clone)]
pub struct StockForm {
    /// Blank: every warehouse (the form's "All" sends `warehouse=`).
    #[serde(default, deserialize_with = "blank_as_none")]
    warehouse: Option<i64>,
    part: Option<String>,
    condition: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Blank: the default (12).
    #[serde(default, deserialize_with = "blank_as_none")]
    months: Option<i64>,
    format: Option<String>,
}

/// A whole number of a filter, where a blank value means none: a browser sends the empty
/// field of a form, and "All" is an empty option.
fn blank_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let typed: Option<String> = Option::deserialize(d)?;
    match typed.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            <D::Error as serde::de::Error>::custom(format!("'{t}' is not a whole number"))
        }),
    }
}

impl StockForm {
    fn is_wh(&self, id: &i64) -> bool {
        self.warehouse == Some(*id)
    }

    fn is_cond(&self, c: &str) -> bool {
        self.condition.as_deref() == Some(c)
    }

    fn is_kind(&self, k: &str) -> bool {
        self.kind.as_deref() == Some(k)
    }

    fn text(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The first instant of the company's day `v` names, or of the day after it (`to` is
    /// the last day shown, as on the ticket search).
    fn day(
        v: &Option<String>,
        field: &str,
        tz: &str,
        day_after: bool,
    ) -> Result<Option<Instant>, AppError> {
        match Self::text(v) {
            None => Ok(None),
            Some(s) => chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .ok()
                .and_then(|d| if day_after { d.succ_opt() } else { Some(d) })
                .map(|d| Some(super::local_day_start(d, tz)))
                .ok_or_else(|| {
                    AppError::invalid(field, format!("'{s}' is not a date (YYYY-MM-DD)"))
                }),
        }
    }

    async fn query(
        &self,
        state: &AppState,
        actor: &Actor,
        limit: i64,
    ) -> Result<StockQuery, AppError> {
        // A part number that names no part is a filter typed wrong (named, 422), not a page
        // that does not exist (404), as the planning list names it.
        let part = match Self::text(&self.part) {
            None => None,
            Some(n) => match state.app.get_part_by_number(actor, &n).await {
                Ok(p) => Some(PartId(p.id)),
                Err(AppError::NotFound { .. }) => {
                    return Err(AppError::invalid("part", format!("no part numbered '{n}'")));
                }
                Err(e) => return Err(e),
            },
        };
        let tz = state.app.company_settings().await?.time_zone;
        Ok(StockQuery {
            warehouse: self.warehouse.map(WarehouseId),
            part,
            condition: Self::text(&self.condition),
            kind: Self::text(&self.kind),
            from: Self::day(&self.from, "from", &tz, false)?,
            to: Self::day(&self.to, "to", &tz, true)?,
            limit,
        })
    }
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockTemplate {
    page: Page,
    form: StockForm,
    warehouses: Vec<(i64, String, String)>,
    conditions: Vec<(&'static str, &'static str)>,
    rows: Vec<StockLine>,
    total_qty: i64,
    total_value: String,
    fixed_warehouse: Option<String>,
    /// More rows match than the page shows (its total counts only the rows shown).
    truncated: bool,
}

/// Rows the stock page shows at most.
const STOCK_ROWS: usize = 5_000;

const CONDITIONS: [&str; 5] = ["good", "repaired", "defective", "scrap", "quarantine"];

async fn stock_page(state: AppState, user: CurrentUser, form: StockForm, fixed: bool) -> Response {
    let actor = user.actor();
    let result = async {
        // One row more than shown, to know whether the list was cut.
        let q = form.query(&state, &actor, STOCK_ROWS as i64 + 1).await?;
        let rows = state.app.stock_view(&actor, &q).await?;
        let whs = state.app.visible_warehouses(&actor).await?;
        let c = ctx(&state, &actor).await?;
        Ok::<_, AppError>((rows, whs, c))
    }
    .await;
    let (mut rows, whs, c) = match result {
        Ok(v) => v,
        Err(e) => return app_error_page(&user, &e),
    };
    let truncated = rows.len() > STOCK_ROWS;
    rows.truncate(STOCK_ROWS);
    let total_qty = saturating_sum(rows.iter().map(|r| r.qty));
    let total_value = money(saturating_sum(rows.iter().map(|r| r.value)));
    let fixed_warehouse = if fixed {
        form.warehouse.map(|w| c.code(w))
    } else {
        None
    };
    render(&StockTemplate {
        page: Page::for_user(&user, "stock.title", "/stock"),
        warehouses: whs.into_iter().map(|w| (w.id, w.code, w.name)).collect(),
        conditions: CONDITIONS.iter().map(|c| (*c, condition_key(c))).collect(),
        rows: c.stock(rows),
        total_qty,
        total_value,
        fixed_warehouse,
        truncated,
        form,
    })
}

/// `GET /stock`.
pub async fn stock(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(form): PageQuery<StockForm>,
) -> Response {
    stock_page(state, user, form, false).await
}

/// `GET /warehouses/{id}/stock`: one warehouse's stock (not found outside the scope).
pub async fn warehouse_stock(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath(id): PagePath<i64>,
    PageQuery(mut form): PageQuery<StockForm>,
) -> Response {
    form.warehouse = Some(id);
    stock_page(state, user, form, true).await
}

#[derive(Template)]
#[template(path = "movements.html")]
struct MovementsTemplate {
    page: Page,
    form: StockForm,
    warehouses: Vec<(i64, String, String)>,
    /// Each movement kind's code and words.
    kinds: Vec<(&'static str, String)>,
    moves: Vec<MoveLine>,
    export_query: String,
}

/// `GET /stock/movements`.
pub async fn movements(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(form): PageQuery<StockForm>,
) -> Response {
    let actor = user.actor();
    let result = async {
        let q = form.query(&state, &actor, 500).await?;
        let rows = state.app.movement_view(&actor, &q).await?;
        let whs = state.app.visible_warehouses(&actor).await?;
        let c = ctx(&state, &actor).await?;
        Ok::<_, AppError>((rows, whs, c))
    }
    .await;
    let (rows, whs, c) = match result {
        Ok(v) => v,
        Err(e) => return app_error_page(&user, &e),
    };
    let pairs: Vec<(&str, String)> = [
        ("warehouse", form.warehouse.map(|w| w.to_string())),
        ("part", StockForm::text(&form.part)),
        ("kind", StockForm::text(&form.kind)),
        ("from", StockForm::text(&form.from)),
        ("to", StockForm::text(&form.to)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let page = Page::for_user(&user, "stock.movements.title", "/stock/movements");
    render(&MovementsTemplate {
        warehouses: whs.into_iter().map(|w| (w.id, w.code, w.name)).collect(),
        kinds: MovementKind::ALL
            .iter()
            .map(|k| (k.code(), code_text(&page.tr, "move.kind", k.code())))
            .collect(),
        moves: c.moves(&page.tr, rows),
        page,
        export_query: serde_urlencoded::to_string(&pairs).unwrap_or_default(),
        form,
    })
}

/// `GET /stock/movements/export?format=csv|xlsx&...`: the filtered history as a file
/// (up to 100,000 movements).
pub async fn movements_export(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(form): PageQuery<StockForm>,
) -> Response {
    let actor = user.actor();
    let format = form
        .format
        .as_deref()
        .and_then(FileFormat::parse)
        .unwrap_or(FileFormat::Csv);
    let result = async {
        let q = form.query(&state, &actor, 100_000).await?;
        state.app.movement_export(&actor, &q, format).await
    }
    .await;
    match result {
        Ok(bytes) => download(format, "movements", bytes),
        Err(e) => app_error_page(&user, &e),
    }
}

#[derive(Template)]
#[template(path = "in_transit.html")]
struct TransitTemplate {
    page: Page,
    form: StockForm,
    warehouses: Vec<(i64, String, String)>,
    transit: Vec<TransitLine>,
    overdue: usize,
}

/// `GET /stock/in-transit`.
pub async fn in_transit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(form): PageQuery<StockForm>,
) -> Response {
    let actor = user.actor();
    let result = async {
        let q = form.query(&state, &actor, 1).await?;
        let rows = state
            .app
            .in_transit_view(&actor, q.warehouse, q.part)
            .await?;
        let whs = state.app.visible_warehouses(&actor).await?;
        let c = ctx(&state, &actor).await?;
        Ok::<_, AppError>((rows, whs, c))
    }
    .await;
    let (rows, whs, c) = match result {
        Ok(v) => v,
        Err(e) => return app_error_page(&user, &e),
    };
    let overdue = rows.iter().filter(|r| r.overdue).count();
    render(&TransitTemplate {
        page: Page::for_user(&user, "stock.transit.title", "/stock/in-transit"),
        warehouses: whs.into_iter().map(|w| (w.id, w.code, w.name)).collect(),
        transit: c.transit(rows),
        overdue,
        form,
    })
}

/// A slow-moving line.
pub struct SlowLine {
    warehouse: String,
    part_id: i64,
    part_number: String,
    part_name: String,
    qty: i64,
    value: String,
    last_issue: String,
}

#[derive(Template)]
#[template(path = "slow.html")]
struct SlowTemplate {
    page: Page,
    form: StockForm,
    months: i64,
    warehouses: Vec<(i64, String, String)>,
    rows: Vec<SlowLine>,
    total_value: String,
    /// Stock by lot age per warehouse: (warehouse code, [(qty, value); 4]).
    aging: Vec<(String, Vec<(i64, String)>)>,
}

/// `GET /stock/slow?months=N`.
pub async fn slow(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(form): PageQuery<StockForm>,
) -> Response {
    let actor = user.actor();
    let months = form.months.unwrap_or(12);
    let result = async {
        let rows = state
            .app
            .slow_moving_view(&actor, months, form.warehouse.map(WarehouseId))
            .await?;
        let whs = state.app.visible_warehouses(&actor).await?;
        let c = ctx(&state, &actor).await?;
        let aging = state
            .app
            .stock_aging(&actor, form.warehouse.map(WarehouseId))
            .await?;
        Ok::<_, AppError>((rows, whs, c, aging))
    }
    .await;
    let (rows, whs, c, aging) = match result {
        Ok(v) => v,
        Err(e) => return app_error_page(&user, &e),
    };
    let total_value = money(saturating_sum(
        rows.iter().map(|r| r.qty.saturating_mul(r.unit_cost)),
    ));
    render(&SlowTemplate {
        page: Page::for_user(&user, "stock.slow.title", "/stock/slow"),
        months,
        warehouses: whs.into_iter().map(|w| (w.id, w.code, w.name)).collect(),
        rows: rows
            .into_iter()
            .map(|r| SlowLine {
                warehouse: r.warehouse_code,
                part_id: r.part_id,
                part_number: r.part_number,
                part_name: r.part_name,
                qty: r.qty,
                value: money(r.qty.saturating_mul(r.unit_cost)),
                last_issue: r
                    .last_issue
                    .map_or_else(|| "—".to_string(), |ms| format_instant(ms, &c.tz)),
            })
            .collect(),
        total_value,
        aging: aging
            .into_iter()
            .map(|a| {
                (
                    a.warehouse_code,
                    (0..4).map(|i| (a.qty[i], money(a.value[i]))).collect(),
                )
            })
            .collect(),
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_domain::stock::{LocationKind, StockCondition};

    #[test]
    fn every_stored_code_of_a_movement_has_words_in_both_languages() {
        let coded = MovementKind::ALL
            .iter()
            .map(|k| ("move.kind", k.code()))
            .chain(LocationKind::ALL.iter().map(|k| ("move.loc", k.code())))
            .chain(StockCondition::ALL.iter().map(|c| ("stock.cond", c.code())))
            .chain(
                [
                    "purchase_order",
                    "repair_order",
                    "ticket",
                    "requisition",
                    "transfer",
                    "scrap_request",
                    "stocktake",
                ]
                .map(|d| ("move.doc", d)),
            );
        for (prefix, code) in coded {
            assert!(Tr::has(&format!("{prefix}.{code}")), "{prefix}.{code}");
        }
    }

    #[test]
    fn page_totals_saturate_rather_than_wrap() {
        assert_eq!(saturating_sum([i64::MAX, 1].into_iter()), i64::MAX);
        assert_eq!(saturating_sum([2, 3].into_iter()), 5);
    }

    #[test]
    fn a_location_reads_in_words_with_its_warehouse_code() {
        let codes = HashMap::from([(7, "WH-C".to_string())]);
        let zh = Tr::new(Lang::ZhCn);
        let en = Tr::new(Lang::En);
        assert_eq!(
            location_text(&en, "stock:7:good:-", &codes),
            "stock WH-C Good"
        );
        assert_eq!(
            location_text(&zh, "stock:7:good:-", &codes),
            "库存 WH-C 良品"
        );
        assert_eq!(
            location_text(&en, "in_transit:9:defective:12", &codes),
            "in transit #9 Defective #12"
        );
        assert_eq!(location_text(&zh, "ticket:-:-:5", &codes), "工单 #5");
        // A code without words is shown as stored.
        assert_eq!(location_text(&en, "moon:-:-:-", &codes), "moon");
        assert_eq!(code_text(&zh, "move.kind", "issue"), "领用出库");
        assert_eq!(code_text(&zh, "move.kind", "levitate"), "levitate");
    }
}
