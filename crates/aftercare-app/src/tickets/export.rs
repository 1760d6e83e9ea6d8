//! Export of a filtered ticket list to XLSX (what managers open in Excel).

use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_store::tickets::TicketFilter;
use rust_xlsxwriter::{Format, Workbook};

/// Most rows one export writes.
pub const MAX_EXPORT_ROWS: i64 = 10_000;

impl App {
    /// The tickets matching `filter` (within the caller's scope) as an XLSX workbook, with
    /// times in the company's time zone.
    pub async fn export_tickets_xlsx(
        &self,
        actor: &Actor,
        mut filter: TicketFilter,
    ) -> AppResult<Vec<u8>> {
        filter.limit = MAX_EXPORT_ROWS;
        let rows = self.search_tickets(actor, filter).await?;
        let tz = self.company_tz().await?;
        let local = |ms: i64| {
            aftercare_domain::Instant(ms)
                .to_utc()
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Unexpected(format!("xlsx: {e}"));
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
        sheet.set_name("tickets").map_err(xerr)?;
        let bold = Format::new().set_bold();
        let headers = [
            "number",
            "created",
            "status",
            "type",
            "priority",
            "customer",
            "serial",
            "model",
            "region",
            "tier",
            "station",
            "warranty",
            "fault",
            "on_site_due",
            "at_risk",
            "breached",
            "repeat_of",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *h, &bold)
                .map_err(xerr)?;
        }
        for (i, t) in rows.iter().enumerate() {
            let r = (i + 1) as u32;
            let cells = [
                t.number.clone(),
                local(t.created_at.0),
                t.status.code().to_string(),
                t.ticket_type.code().to_string(),
                t.priority.code().to_string(),
                t.customer_name.clone(),
                t.serial.clone(),
                t.model_name.clone(),
                t.region_name.clone(),
                t.tier.code().to_string(),
                t.station_name.clone().unwrap_or_default(),
                t.warranty_status.code().to_string(),
                t.fault_description.clone(),
                local(t.on_site_due.0),
                if t.sla_at_risk { "yes" } else { "" }.to_string(),
                if t.sla_breached { "yes" } else { "" }.to_string(),
                t.repeat_of.map(|x| x.to_string()).unwrap_or_default(),
            ];
            for (c, v) in cells.iter().enumerate() {
                sheet.write_string(r, c as u16, v).map_err(xerr)?;
            }
        }
        wb.save_to_buffer().map_err(xerr)
    }
}
