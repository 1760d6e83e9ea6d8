//! Customers and their units: found by any phone (normalised) or serial, created by agents,
//! shown with warranty and ticket history. Station users see a customer or unit only when
//! their station holds (or held) one of its tickets.

use super::TICKET_READERS;
use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::customer::{CustomerInput, UnitInput, normalize_serial};
use aftercare_domain::phone::normalize_for_search;
use aftercare_domain::warranty::{WarrantyDetermination, WarrantyTerms, determine};
use aftercare_domain::{CustomerId, Role, Scope, UnitId};
use aftercare_store::audit;
use aftercare_store::tickets::{
    self as store, CustomerRecord, TicketFilter, TicketSummary, UnitRecord,
};
use serde::Serialize;

/// A unit with its warranty as of today.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    /// The unit.
    pub unit: UnitRecord,
    /// Warranty as of today (company time zone), with its reason.
    pub warranty: WarrantyDetermination,
    /// The reason in words.
    pub warranty_text: String,
}

/// A customer with units and past tickets (what the agent sees at intake).
#[derive(Debug, Clone, Serialize)]
pub struct CustomerView {
    /// The customer.
    pub customer: CustomerRecord,
    /// Their units.
    pub units: Vec<UnitView>,
    /// Their tickets, newest first (only the caller's station's for a station user).
    pub tickets: Vec<TicketSummary>,
}

impl App {
    /// Today's date in the company's time zone.
    pub async fn company_today(&self) -> AppResult<chrono::NaiveDate> {
        let tz = self.company_tz().await?;
        Ok(self.now().to_utc().with_timezone(&tz).date_naive())
    }

    pub(crate) async fn company_tz(&self) -> AppResult<chrono_tz::Tz> {
        let s = aftercare_store::settings::get(&self.db).await?;
        s.time_zone.parse::<chrono_tz::Tz>().map_err(|_| {
            AppError::Unexpected(format!("company time zone '{}' is unknown", s.time_zone))
        })
    }

    /// Find customers by any phone number (any spelling: +86, spaces, dashes) or by a unit's
    /// serial number. Station users only find customers their station serves.
    pub async fn find_customers(&self, actor: &Actor, query: &str) -> AppResult<Vec<CustomerView>> {
        actor.require(TICKET_READERS, "search customers")?;
        let q = query.trim();
        if q.is_empty() {
            return Err(AppError::invalid(
                "q",
                "type a phone number or a serial number",
            ));
        }
        let mut ids: Vec<CustomerId> = Vec::new();
        let digits = normalize_for_search(q);
        if digits.len() >= 7 {
            ids.extend(store::customers_by_phone(&self.db, &digits).await?);
        }
        if let Ok(serial) = normalize_serial(q) {
            for u in store::units_by_serial(&self.db, &serial).await? {
                // A unit another station services is not the caller's to find: a hit would
                // tie its serial to a customer the station does serve.
                if let Some(s) = actor.own_station()
                    && !store::station_serves_unit(&self.db, s, u.id).await?
                {
                    continue;
                }
                if !ids.contains(&u.customer_id) {
                    ids.push(u.customer_id);
                }
            }
        }
        let mut out = Vec::new();
        for id in ids {
            if let Some(v) = self.customer_view(actor, id).await? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// A customer with units and tickets; outside the caller's scope it is "not found".
    pub async fn customer(&self, actor: &Actor, id: CustomerId) -> AppResult<CustomerView> {
        actor.require(TICKET_READERS, "see customers")?;
        self.customer_view(actor, id)
            .await?
            .ok_or_else(|| AppError::not_found("customer"))
    }

    async fn customer_view(
        &self,
        actor: &Actor,
        id: CustomerId,
    ) -> AppResult<Option<CustomerView>> {
        let scope = actor.scope();
        match scope {
            Scope::All => {}
            Scope::Station(s) => {
                if !store::station_serves_customer(&self.db, s, id).await? {
                    return Ok(None);
                }
            }
            Scope::Brand(_) => return Ok(None),
        }
        let Some(customer) = store::get_customer(&self.db, id).await? else {
            return Ok(None);
        };
        let today = self.company_today().await?;
        let mut units = Vec::new();
        for u in store::units_of_customer(&self.db, id).await? {
            if let Scope::Station(s) = scope
                && !store::station_serves_unit(&self.db, s, u.id).await?
            {
                continue;
            }
            units.push(self.unit_view(u, today).await?);
        }
        let tickets = store::search(
            &self.db,
            &TicketFilter {
                customer: Some(id),
                station: actor.own_station(),
                limit: 50,
                ..Default::default()
            },
        )
        .await?;
        Ok(Some(CustomerView {
            customer,
            units,
            tickets,
        }))
    }

    async fn unit_view(&self, unit: UnitRecord, today: chrono::NaiveDate) -> AppResult<UnitView> {
        let policy = store::policy_for_line(&self.db, unit.product_line_id)
            .await?
            .unwrap_or(WarrantyTerms {
                unit_months: 0,
                key_parts_months: 0,
                labour_months: 0,
            });
        let contract = store::contract_for_brand(&self.db, unit.brand_id).await?;
        let warranty = determine(unit.purchase_date, today, &policy, contract.as_ref());
        Ok(UnitView {
            warranty_text: warranty.reason_text(),
            unit,
            warranty,
        })
    }

    /// A unit with its warranty and every ticket of it (its history).
    pub async fn unit(
        &self,
        actor: &Actor,
        id: UnitId,
    ) -> AppResult<(UnitView, Vec<TicketSummary>)> {
        actor.require(TICKET_READERS, "see units")?;
        if let Some(s) = actor.own_station()
            && !store::station_serves_unit(&self.db, s, id).await?
        {
            return Err(AppError::not_found("unit"));
        }
        if matches!(actor.scope(), Scope::Brand(_)) {
            return Err(AppError::not_found("unit"));
        }
        let unit = store::get_unit(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("unit"))?;
        let today = self.company_today().await?;
        let view = self.unit_view(unit, today).await?;
        let history = store::search(
            &self.db,
            &TicketFilter {
                unit: Some(id),
                station: actor.own_station(),
                limit: 200,
                ..Default::default()
            },
        )
        .await?;
        Ok((view, history))
    }

    /// Create a customer (call centre). Phones are normalised and de-duplicated; every
    /// address needs a known region.
    pub async fn create_customer(
        &self,
        actor: &Actor,
        input: CustomerInput,
    ) -> AppResult<CustomerRecord> {
        self.create_customer_once(actor, input, None).await
    }

    /// [`App::create_customer`] under a request key: sent again with the same key, it
    /// answers the customer the first send created.
    pub async fn create_customer_once(
        &self,
        actor: &Actor,
        input: CustomerInput,
        key: Option<&str>,
    ) -> AppResult<CustomerRecord> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Agent],
            "create customers",
        )?;
        let key = key.map(crate::request_keys::checked).transpose()?;
        if let Some(id) = self.keyed_record(actor, key, "customer.create").await? {
            return self.keyed_customer(id).await;
        }
        let valid = input.validate()?;
        for (i, a) in valid.addresses.iter().enumerate() {
            if aftercare_store::tickets::region_path(&self.db, a.region)
                .await?
                .is_empty()
            {
                return Err(AppError::invalid(
                    &format!("addresses[{i}].region"),
                    format!("region {} does not exist", a.region),
                ));
            }
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_customer(&mut tx, &valid.name, &valid.phones, &valid.addresses, now)
            .await?;
        let mut entry = actor.audit(now, "customer.create", "customer", id);
        entry.after = serde_json::to_value(&valid).ok();
        audit::record(&mut tx, &entry).await?;
        if let Some(first) = self
            .claim_or_first(&mut tx, actor, key, ("customer.create", id.0))
            .await?
        {
            // Taken meanwhile by the same form sent at once: its customer, not a second.
            drop(tx);
            return self.keyed_customer(first).await;
        }
        tx.commit().await?;
        self.keyed_customer(id.0).await
    }

    /// The customer a request created.
    async fn keyed_customer(&self, id: i64) -> AppResult<CustomerRecord> {
        store::get_customer(&self.db, CustomerId(id))
            .await?
            .ok_or_else(|| AppError::Unexpected(format!("customer {id} vanished after insert")))
    }

    /// Register a unit for a customer (call centre). The serial must be new for its model.
    pub async fn add_unit(
        &self,
        actor: &Actor,
        customer: CustomerId,
        input: UnitInput,
    ) -> AppResult<UnitRecord> {
        actor.require(&[Role::Admin, Role::Manager, Role::Agent], "register units")?;
        let today = self.company_today().await?;
        let valid = input.validate(today)?;
        if store::get_customer(&self.db, customer).await?.is_none() {
            return Err(AppError::not_found("customer"));
        }
        if !store::model_exists(&self.db, valid.model).await? {
            return Err(AppError::invalid(
                "model",
                format!("product model {} does not exist", valid.model),
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_unit(&mut tx, &valid, customer, now)
            .await
            .map_err(|e| match e {
                aftercare_store::StoreError::Conflict(m) => AppError::Conflict {
                    code: "unit.serial_taken".into(),
                    message: m,
                },
                other => other.into(),
            })?;
        let mut entry = actor.audit(now, "unit.create", "unit", id);
        entry.after = serde_json::to_value(&valid).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        store::get_unit(&self.db, id)
            .await?
            .ok_or_else(|| AppError::Unexpected("unit vanished after insert".into()))
    }
}

impl App {
    /// Districts and townships for address forms (call centre).
    pub async fn region_choices(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(aftercare_domain::RegionId, String)>> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Agent],
            "create customers",
        )?;
        Ok(store::region_choices(&self.db).await?)
    }

    /// Product models for unit forms (call centre).
    pub async fn model_choices(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(aftercare_domain::ProductModelId, String)>> {
        actor.require(&[Role::Admin, Role::Manager, Role::Agent], "register units")?;
        Ok(store::model_choices(&self.db).await?)
    }

    /// Active technicians of a station the actor may see (its own for station users).
    pub async fn station_technicians(
        &self,
        actor: &Actor,
        station: aftercare_domain::StationId,
    ) -> AppResult<Vec<(aftercare_domain::TechnicianId, String)>> {
        actor.require(TICKET_READERS, "see technicians")?;
        actor.ensure_station_visible(Some(station), "station")?;
        Ok(store::technicians_of(&self.db, station).await?)
    }
}
