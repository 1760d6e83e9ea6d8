//! The part master over JSON: parts, where-used both ways, substitutes, per-warehouse
//! levels, and CSV/XLSX import (raw request body), export and templates.

use super::{ApiPath, ApiQuery};
use crate::error::{ApiError, rejection};
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::parts::{
    ImportReport, LevelRecord, StoredPart, SubstituteRecord, WhereUsedRecord,
};
use aftercare_app::parts_io::{FileFormat, Kind};
use aftercare_domain::part::{PartDraft, SubstituteDirection};
use aftercare_domain::{PartId, WarehouseId};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A part of the part master.
#[derive(Serialize, ToSchema)]
pub struct PartDto {
    /// Id.
    pub id: i64,
    /// Part number.
    pub part_number: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Specification.
    pub specification: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Unit of measure.
    pub unit: String,
    /// Standard cost per unit, minor units (fen).
    pub standard_cost: i64,
    /// buy, make or repair.
    pub source: String,
    /// Procurement lead time, days.
    pub lead_time_days: i64,
    /// Replacement cycle, days.
    pub replacement_cycle_days: Option<i64>,
    /// normal or key.
    pub criticality: String,
    /// End of production, YYYY-MM-DD.
    pub end_of_production: Option<String>,
    /// End of service, YYYY-MM-DD.
    pub end_of_service: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// In use.
    pub active: bool,
}

impl From<StoredPart> for PartDto {
    fn from(p: StoredPart) -> Self {
        PartDto {
            id: p.id,
            part_number: p.part_number,
            name_zh: p.name_zh,
            name_en: p.name_en,
            specification: p.specification,
            category: p.category,
            unit: p.unit,
            standard_cost: p.standard_cost,
            source: p.source,
            lead_time_days: p.lead_time_days,
            replacement_cycle_days: p.replacement_cycle_days,
            criticality: p.criticality,
            end_of_production: p.end_of_production_on,
            end_of_service: p.end_of_service_on,
            notes: p.notes,
            active: p.active,
        }
    }
}

/// Search parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartQuery {
    /// Part number prefix or a word of the name / specification.
    pub q: Option<String>,
    /// Exact category.
    pub category: Option<String>,
    /// Page size (default 50, max 500).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// A page of parts.
#[derive(Serialize, ToSchema)]
pub struct PartPage {
    /// The parts.
    pub items: Vec<PartDto>,
    /// Matches in total.
    pub total: i64,
}

/// Search the part master.
#[utoipa::path(get, path = "/api/v1/parts", tag = "parts", params(PartQuery),
    responses((status = 200, body = PartPage), (status = 403, body = super::ErrorBody)))]
pub async fn list_parts(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<PartQuery>,
) -> Result<Json<PartPage>, ApiError> {
    let (rows, total) = s
        .app
        .search_parts(
            &user.actor(),
            q.q.as_deref().unwrap_or(""),
            q.category.as_deref().filter(|c| !c.is_empty()),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(PartPage {
        items: rows.into_iter().map(Into::into).collect(),
        total,
    }))
}

/// A part to create or change (the part number cannot change).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartBody {
    /// Part number: 1-40 of A-Z 0-9 - . / (upper-cased).
    pub part_number: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Specification.
    pub specification: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Unit of measure.
    pub unit: String,
    /// Standard cost, minor units.
    pub standard_cost: i64,
    /// buy / make / repair (外购 / 自制 / 修复).
    pub source: String,
    /// Lead time, days (0-3650).
    pub lead_time_days: i64,
    /// Replacement cycle, days.
    pub replacement_cycle_days: Option<i64>,
    /// normal / key.
    pub criticality: Option<String>,
    /// End of production, YYYY-MM-DD.
    pub end_of_production: Option<String>,
    /// End of service, YYYY-MM-DD.
    pub end_of_service: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

fn date(field: &str, v: Option<&str>) -> Result<Option<chrono::NaiveDate>, AppError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid(field, format!("'{s}' is not a date (YYYY-MM-DD)"))),
    }
}

impl PartBody {
    /// The draft the use case validates.
    pub fn draft(self) -> Result<PartDraft, AppError> {
        Ok(PartDraft {
            end_of_production: date("end_of_production", self.end_of_production.as_deref())?,
            end_of_service: date("end_of_service", self.end_of_service.as_deref())?,
            part_number: self.part_number,
            name_zh: self.name_zh,
            name_en: self.name_en,
            specification: self.specification,
            category: self.category,
            unit: self.unit,
            standard_cost: self.standard_cost,
            source: self.source,
            lead_time_days: self.lead_time_days,
            replacement_cycle_days: self.replacement_cycle_days,
            criticality: self.criticality,
            notes: self.notes,
        })
    }
}

/// Create a part (warehouse, manager, admin).
#[utoipa::path(post, path = "/api/v1/parts", tag = "parts", request_body = PartBody,
    responses((status = 201, body = PartDto), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create_part(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<PartBody>, JsonRejection>,
) -> Result<(StatusCode, Json<PartDto>), ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let p = s.app.create_part(&user.actor(), &b.draft()?).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// One part.
#[utoipa::path(get, path = "/api/v1/parts/{id}", tag = "parts",
    params(("id" = i64, Path, description = "Part id")),
    responses((status = 200, body = PartDto), (status = 404, body = super::ErrorBody)))]
pub async fn get_part(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PartDto>, ApiError> {
    Ok(Json(
        s.app.get_part(&user.actor(), PartId(id)).await?.into(),
    ))
}

/// Change a part's master data.
#[utoipa::path(put, path = "/api/v1/parts/{id}", tag = "parts", request_body = PartBody,
    params(("id" = i64, Path, description = "Part id")),
    responses((status = 200, body = PartDto), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update_part(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<PartBody>, JsonRejection>,
) -> Result<Json<PartDto>, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    Ok(Json(
        s.app
            .update_part(&user.actor(), PartId(id), &b.draft()?)
            .await?
            .into(),
    ))
}

/// A product model using a part.
#[derive(Serialize, ToSchema)]
pub struct WhereUsedDto {
    /// Model code.
    pub model_code: String,
    /// Model name.
    pub model_name: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Part name.
    pub part_name: String,
    /// Quantity per unit of the model.
    pub qty_per_unit: i64,
}

impl From<WhereUsedRecord> for WhereUsedDto {
    fn from(w: WhereUsedRecord) -> Self {
        WhereUsedDto {
            model_code: w.model_code,
            model_name: w.model_name,
            part_id: w.part_id,
            part_number: w.part_number,
            part_name: w.part_name,
            qty_per_unit: w.qty_per_unit,
        }
    }
}

/// The product models a part is used in.
#[utoipa::path(get, path = "/api/v1/parts/{id}/where-used", tag = "parts",
    params(("id" = i64, Path, description = "Part id")),
    responses((status = 200, body = [WhereUsedDto]), (status = 404, body = super::ErrorBody)))]
pub async fn part_where_used(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<WhereUsedDto>>, ApiError> {
    let rows = s.app.models_using_part(&user.actor(), PartId(id)).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// The parts of a product model (its service BOM).
#[utoipa::path(get, path = "/api/v1/models/{code}/parts", tag = "parts",
    params(("code" = String, Path, description = "Product model code")),
    responses((status = 200, body = [WhereUsedDto]), (status = 404, body = super::ErrorBody)))]
pub async fn model_parts(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<WhereUsedDto>>, ApiError> {
    let rows = s.app.parts_of_model(&user.actor(), &code).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Quantity of a part in a model.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhereUsedBody {
    /// Units per product; 0 removes the row.
    pub qty_per_unit: i64,
}

/// Set (or with 0 remove) a part's quantity in a product model.
#[utoipa::path(put, path = "/api/v1/parts/{id}/where-used/{model}", tag = "parts", request_body = WhereUsedBody,
    params(("id" = i64, Path, description = "Part id"), ("model" = String, Path, description = "Model code")),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn set_where_used(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((id, model)): ApiPath<(i64, String)>,
    body: Result<Json<WhereUsedBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    s.app
        .set_where_used(&user.actor(), &model, PartId(id), b.qty_per_unit)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A declared substitute.
#[derive(Serialize, ToSchema)]
pub struct SubstituteDto {
    /// Part replaced.
    pub part_id: i64,
    /// Its number.
    pub part_number: String,
    /// Part fitted instead.
    pub substitute_id: i64,
    /// Its number.
    pub substitute_number: String,
    /// Its name.
    pub substitute_name: String,
    /// one_way or both_ways.
    pub direction: String,
    /// 1 = offered first.
    pub priority: i64,
    /// Instruction for the technician.
    pub instruction: String,
}

impl From<SubstituteRecord> for SubstituteDto {
    fn from(r: SubstituteRecord) -> Self {
        SubstituteDto {
            part_id: r.part_id,
            part_number: r.part_number,
            substitute_id: r.substitute_id,
            substitute_number: r.substitute_number,
            substitute_name: r.substitute_name,
            direction: r.direction,
            priority: r.priority,
            instruction: r.instruction,
        }
    }
}

/// Substitute rules declared for or with a part.
#[utoipa::path(get, path = "/api/v1/parts/{id}/substitutes", tag = "parts",
    params(("id" = i64, Path, description = "Part id")),
    responses((status = 200, body = [SubstituteDto]), (status = 404, body = super::ErrorBody)))]
pub async fn part_substitutes(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<SubstituteDto>>, ApiError> {
    let rows = s.app.substitutes_of_part(&user.actor(), PartId(id)).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// A substitute declaration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubstituteBody {
    /// one_way or both_ways.
    pub direction: String,
    /// 1 = offered first.
    pub priority: u16,
    /// Instruction for the technician.
    #[serde(default)]
    pub instruction: String,
}

/// Declare that `substitute` may be fitted instead of the part (both ways if declared).
#[utoipa::path(put, path = "/api/v1/parts/{id}/substitutes/{substitute}", tag = "parts", request_body = SubstituteBody,
    params(("id" = i64, Path, description = "Part id"), ("substitute" = i64, Path, description = "Substitute part id")),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn set_substitute(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((id, sub)): ApiPath<(i64, i64)>,
    body: Result<Json<SubstituteBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    let direction = SubstituteDirection::parse(&b.direction)
        .ok_or_else(|| AppError::invalid("direction", "must be one_way or both_ways"))?;
    s.app
        .set_substitute(
            &user.actor(),
            PartId(id),
            PartId(sub),
            direction,
            b.priority,
            &b.instruction,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a substitute rule.
#[utoipa::path(delete, path = "/api/v1/parts/{id}/substitutes/{substitute}", tag = "parts",
    params(("id" = i64, Path, description = "Part id"), ("substitute" = i64, Path, description = "Substitute part id")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn remove_substitute(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((id, sub)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.app
        .remove_substitute(&user.actor(), PartId(id), PartId(sub))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A warehouse's manual min/max for a part.
#[derive(Serialize, ToSchema)]
pub struct LevelDto {
    /// Warehouse id.
    pub warehouse_id: i64,
    /// Warehouse code.
    pub warehouse_code: String,
    /// Part id.
    pub part_id: i64,
    /// Part number.
    pub part_number: String,
    /// Minimum.
    pub min: i64,
    /// Maximum (none: no cap).
    pub max: Option<i64>,
}

impl From<LevelRecord> for LevelDto {
    fn from(l: LevelRecord) -> Self {
        LevelDto {
            warehouse_id: l.warehouse_id,
            warehouse_code: l.warehouse_code,
            part_id: l.part_id,
            part_number: l.part_number,
            min: l.min_qty,
            max: l.max_qty,
        }
    }
}

/// Manual stock levels of a part (a station user sees only its own warehouse's).
#[utoipa::path(get, path = "/api/v1/parts/{id}/levels", tag = "parts",
    params(("id" = i64, Path, description = "Part id")),
    responses((status = 200, body = [LevelDto]), (status = 404, body = super::ErrorBody)))]
pub async fn part_levels(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<LevelDto>>, ApiError> {
    let rows = s.app.part_levels(&user.actor(), PartId(id)).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Manual levels.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelBody {
    /// Minimum stock.
    pub min: i64,
    /// Maximum stock (none: no cap).
    pub max: Option<i64>,
}

/// Set a warehouse's manual min/max for a part.
#[utoipa::path(put, path = "/api/v1/parts/{id}/levels/{warehouse}", tag = "parts", request_body = LevelBody,
    params(("id" = i64, Path, description = "Part id"), ("warehouse" = i64, Path, description = "Warehouse id")),
    responses((status = 204), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn set_level(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((id, wh)): ApiPath<(i64, i64)>,
    body: Result<Json<LevelBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(rejection)?;
    s.app
        .set_part_level(
            &user.actor(),
            WarehouseId(wh),
            PartId(id),
            Some((b.min, b.max)),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a warehouse's manual levels for a part.
#[utoipa::path(delete, path = "/api/v1/parts/{id}/levels/{warehouse}", tag = "parts",
    params(("id" = i64, Path, description = "Part id"), ("warehouse" = i64, Path, description = "Warehouse id")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn remove_level(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiPath((id, wh)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.app
        .set_part_level(&user.actor(), WarehouseId(wh), PartId(id), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// What a CSV (or an XLSX whose sheets are not named after a kind) holds: parts,
    /// where_used, substitutes, levels. Default parts.
    pub kind: Option<String>,
    /// csv or xlsx; default: guessed from the content.
    pub format: Option<String>,
    /// Check and count only; write nothing.
    pub dry_run: Option<bool>,
}

/// One problem in an import file.
#[derive(Serialize, ToSchema)]
pub struct ImportIssueDto {
    /// Sheet (XLSX) or kind (CSV).
    pub sheet: String,
    /// 1-based line; 0 for the file as a whole.
    pub line: usize,
    /// Column header.
    pub column: Option<String>,
    /// Cell address (XLSX).
    pub cell: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// Rows created, updated and unchanged.
#[derive(Serialize, ToSchema)]
pub struct ImportCountsDto {
    /// New rows.
    pub created: usize,
    /// Changed rows.
    pub updated: usize,
    /// Rows equal to what was stored.
    pub unchanged: usize,
}

/// The result of an import that passed every check.
#[derive(Serialize, ToSchema)]
pub struct ImportReportDto {
    /// Whether it was written (false for a dry run).
    pub applied: bool,
    /// csv or xlsx.
    pub format: String,
    /// Data rows read.
    pub rows: usize,
    /// Counts per kind.
    pub counts: BTreeMap<String, ImportCountsDto>,
}

fn parse_kind(k: Option<&str>) -> Result<Kind, AppError> {
    match k.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Kind::Parts),
        Some(t) => Kind::parse(t).ok_or_else(|| {
            AppError::invalid("kind", "must be parts, where_used, substitutes or levels")
        }),
    }
}

fn parse_format(f: Option<&str>) -> Result<Option<FileFormat>, AppError> {
    match f.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => FileFormat::parse(t)
            .map(Some)
            .ok_or_else(|| AppError::invalid("format", "must be csv or xlsx")),
    }
}

/// The HTTP answer for an import report: 200 with counts, or 422 listing every issue.
pub fn import_response(r: ImportReport) -> Response {
    if !r.issues.is_empty() {
        let body = json!({ "error": {
            "code": "import.invalid",
            "message": format!("{} problem(s) in the file; nothing was imported", r.issues.len()),
            "details": { "rows": r.rows, "issues": r.issues },
        }});
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    Json(ImportReportDto {
        applied: r.applied,
        format: r.format.extension().into(),
        rows: r.rows,
        counts: r
            .counts
            .into_iter()
            .map(|(k, c)| {
                (
                    k.code().to_string(),
                    ImportCountsDto {
                        created: c.created,
                        updated: c.updated,
                        unchanged: c.unchanged,
                    },
                )
            })
            .collect(),
    })
    .into_response()
}

/// Import a part master file sent as the raw request body (CSV or XLSX, up to 32 MB).
/// The whole file is checked first; if any row is bad the answer is 422 with every
/// problem (sheet, line, column, cell, reason) and nothing is written. Re-importing the
/// same file changes nothing.
#[utoipa::path(post, path = "/api/v1/part-master/import", tag = "parts", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The CSV or XLSX file"),
    responses((status = 200, body = ImportReportDto), (status = 403, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn import(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = parse_kind(q.kind.as_deref())?;
    let format = parse_format(q.format.as_deref())?;
    let r = s
        .app
        .import_part_master_with(
            &user.actor(),
            &body,
            format,
            kind,
            q.dry_run.unwrap_or(false),
        )
        .await?;
    Ok(import_response(r))
}

/// Export / template parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv or xlsx (default xlsx).
    pub format: Option<String>,
    /// One kind (CSV needs one; default parts for CSV, every kind for XLSX).
    pub kind: Option<String>,
}

/// A file download response.
pub fn download(format: FileFormat, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Export the part master as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/part-master/export", tag = "parts", params(ExportQuery),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 422, body = super::ErrorBody)))]
pub async fn export(
    State(s): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = parse_format(q.format.as_deref())?.unwrap_or(FileFormat::Xlsx);
    let kinds = match (q.kind.as_deref().filter(|k| !k.is_empty()), format) {
        (Some(k), _) => vec![parse_kind(Some(k))?],
        (None, FileFormat::Csv) => vec![Kind::Parts],
        (None, FileFormat::Xlsx) => Kind::ALL.to_vec(),
    };
    let bytes = s
        .app
        .export_part_master(&user.actor(), format, &kinds)
        .await?;
    let name = match kinds.as_slice() {
        [k] => format!("part-master-{}", k.code()),
        _ => "part-master".to_string(),
    };
    Ok(download(format, &name, bytes))
}

/// An empty template (XLSX with a help sheet describing each column).
#[utoipa::path(get, path = "/api/v1/part-master/template", tag = "parts", params(ExportQuery),
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub async fn template(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = parse_format(q.format.as_deref())?.unwrap_or(FileFormat::Xlsx);
    let kind = parse_kind(q.kind.as_deref())?;
    let bytes = s.app.part_master_template(format, kind)?;
    Ok(download(
        format,
        &format!("template-{}", kind.code()),
        bytes,
    ))
}
