//! Intake, the ticket detail, every transition, dispatch suggestions, search and settings.

use super::{TICKET_HQ, TICKET_READERS, ticket_actor, transition_error};
use crate::App;
use crate::access::Actor;
use crate::error::{AppError, AppResult};
use aftercare_domain::dispatch::{DispatchRequest, Ranking, RankingWeights, rank_stations};
use aftercare_domain::sla::{SlaProgress, SlaReport, SlaState};
use aftercare_domain::ticket::parts::PartLineStatus;
use aftercare_domain::ticket::{
    ActionKind, IntakeFacts, TicketAction, TicketInput, TicketNumber, TicketStatus, assess_intake,
};
use aftercare_domain::warranty::{BrandContract, WarrantyTerms};
use aftercare_domain::{
    FaultCodeId, Instant, ProductLineId, Role, Scope, StationId, TechnicianId, TicketId, UnitId,
    ValidationError,
};
use aftercare_store::Tx;
use aftercare_store::audit;
use aftercare_store::group::{GroupWriter, JobFuture};
use aftercare_store::tickets::{
    self as store, BreachRecord, CustomerRecord, EventRecord, FaultCodeRecord, NewCallback,
    NewEvent, NewTicket, TicketExtras, TicketFilter, TicketRecord, TicketSettings, TicketSummary,
    UnitRecord,
};
use serde::{Deserialize, Serialize};

/// What the agent submits to open a ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntakeRequest {
    /// The customer.
    pub customer: aftercare_domain::CustomerId,
    /// The unit (must be the customer's).
    pub unit: UnitId,
    /// The visit address (one of the customer's); the first one when absent.
    pub address: Option<i64>,
    /// Type, channel, priority, fault.
    #[serde(flatten)]
    pub input: TicketInput,
    /// Dispatch at once to the top-ranked station.
    #[serde(default)]
    pub auto_dispatch: bool,
}

/// Everything shown on a ticket's page.
#[derive(Debug, Clone, Serialize)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket: TicketRecord,
    /// Its customer.
    pub customer: CustomerRecord,
    /// Its unit.
    pub unit: UnitRecord,
    /// The timeline, oldest first.
    pub timeline: Vec<EventRecord>,
    /// SLA state of each deadline now.
    pub sla: SlaReport,
    /// Recorded breaches.
    pub breaches: Vec<BreachRecord>,
    /// What the caller may do now.
    pub actions: Vec<ActionKind>,
    /// The name of the station holding it.
    pub station_name: Option<String>,
    /// The name of the technician assigned (`#id` for one no longer listed).
    pub technician_name: Option<String>,
}

/// One suggested station for a ticket.
#[derive(Debug, Clone, Serialize)]
pub struct StationSuggestion {
    /// The station.
    pub station: StationId,
    /// Its name.
    pub name: String,
    /// Open tickets it holds.
    pub open_load: u32,
    /// Its capacity.
    pub capacity: u32,
    /// Its score.
    pub score: u8,
    /// Full: ranked last, never auto-picked.
    pub at_capacity: bool,
    /// Why it is where it is, in words.
    pub explanation: String,
}

/// Ranked stations for a ticket, and the ones left out with why.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestions {
    /// Best first.
    pub ranked: Vec<StationSuggestion>,
    /// (station, name, why) of stations in the area that cannot take it.
    pub excluded: Vec<(StationId, String, String)>,
}

/// New ticket settings (admin).
pub type TicketSettingsUpdate = TicketSettings;

fn event_name(kind: ActionKind, to: TicketStatus) -> Option<&'static str> {
    Some(match kind {
        ActionKind::Dispatch => "ticket.dispatched",
        ActionKind::Accept => "ticket.accepted",
        ActionKind::Reject => "ticket.rejected",
        ActionKind::AcceptTimeout => "ticket.accept_timeout",
        ActionKind::Schedule => "ticket.appointment_booked",
        ActionKind::Complete => "ticket.completed",
        ActionKind::Callback if to == TicketStatus::CallbackDone => "ticket.callback_done",
        ActionKind::Callback => "ticket.callback_not_fixed",
        ActionKind::Cancel => "ticket.cancelled",
        ActionKind::Reopen => "ticket.reopened",
        ActionKind::Close | ActionKind::Resolve => "ticket.closed",
        _ => return None,
    })
}

pub(crate) fn event_payload(event: &str, t: &TicketRecord, at: Instant) -> serde_json::Value {
    serde_json::json!({
        "event": event,
        "at": at.0,
        "ticket": {
            "id": t.id.0,
            "number": t.number,
            "status": t.state.status.code(),
            "station_id": t.state.station.map(|s| s.0),
            "technician_id": t.state.technician.map(|s| s.0),
            "appointment_start": t.state.appointment.map(|a| a.start().0),
            "appointment_end": t.state.appointment.map(|a| a.end().0),
            "customer_id": t.customer_id.0,
            "warranty_status": t.warranty_status.code(),
        }
    })
}

impl App {
    /// The ticket settings (SLA per tier, accept timeout, repeat window).
    pub async fn ticket_settings(&self, actor: &Actor) -> AppResult<TicketSettings> {
        actor.require(TICKET_READERS, "read ticket settings")?;
        Ok(store::get_settings(&self.db).await?)
    }

    /// Change the ticket settings (admin).
    pub async fn update_ticket_settings(
        &self,
        actor: &Actor,
        new: TicketSettingsUpdate,
    ) -> AppResult<TicketSettings> {
        actor.require(&[Role::Admin], "change ticket settings")?;
        new.sla.validate()?;
        if new.rules.accept_timeout_minutes == 0 {
            return Err(AppError::invalid(
                "accept_timeout_minutes",
                "must be at least 1",
            ));
        }
        if new.rules.repeat_window.days == 0 {
            return Err(AppError::invalid(
                "repeat_window.days",
                "must be at least 1",
            ));
        }
        let before = store::get_settings(&self.db).await?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::put_settings(&mut tx, &new, now).await?;
        let mut entry = actor.audit(now, "ticket_settings.update", "ticket_settings", 1);
        entry.before = serde_json::to_value(before).ok();
        entry.after = serde_json::to_value(new).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Set the warranty policy of a product line (admin).
    pub async fn set_warranty_policy(
        &self,
        actor: &Actor,
        line: ProductLineId,
        terms: WarrantyTerms,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin], "set warranty policies")?;
        terms.validate()?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::put_policy(&mut tx, line, &terms).await?;
        let mut entry = actor.audit(now, "warranty_policy.set", "product_line", line);
        entry.after = serde_json::to_value(terms).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Set a brand customer's contract terms or buy-out (admin).
    pub async fn set_brand_contract(
        &self,
        actor: &Actor,
        contract: BrandContract,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin], "set brand contracts")?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        store::put_contract(&mut tx, &contract).await?;
        let mut entry = actor.audit(now, "brand_contract.set", "brand", contract.brand);
        entry.after = serde_json::to_value(contract).ok();
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Add a fault code to a product line's list (admin).
    pub async fn add_fault_code(
        &self,
        actor: &Actor,
        line: ProductLineId,
        code: &str,
        name_zh: &str,
        name_en: &str,
    ) -> AppResult<FaultCodeId> {
        actor.require(&[Role::Admin], "add fault codes")?;
        let code = aftercare_domain::validate::code("code", code)?;
        let name_zh = aftercare_domain::validate::name("name_zh", name_zh)?;
        let name_en = aftercare_domain::validate::name("name_en", name_en)?;
        let now = self.now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_fault_code(&mut tx, line, &code, &name_zh, &name_en)
            .await
            .map_err(|e| match e {
                aftercare_store::StoreError::Conflict(_) => AppError::Conflict {
                    code: "fault_code.taken".into(),
                    message: format!("fault code '{code}' exists for this product line, or the line does not exist"),
                },
                other => other.into(),
            })?;
        audit::record(
            &mut tx,
            &actor.audit(now, "fault_code.create", "fault_code", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The fault codes of a product line (all when `None`).
    pub async fn fault_codes(
        &self,
        actor: &Actor,
        line: Option<ProductLineId>,
    ) -> AppResult<Vec<FaultCodeRecord>> {
        actor.require(TICKET_READERS, "read fault codes")?;
        Ok(store::fault_codes(&self.db, line).await?)
    }

    /// Open a ticket: warranty determined and stored with its reason, SLA deadlines from the
    /// address's tier, a repeat-repair link when the unit was completed within the window,
    /// and optionally dispatched at once to the top-ranked station.
    pub async fn intake(&self, actor: &Actor, req: IntakeRequest) -> AppResult<TicketRecord> {
        self.intake_once(actor, req, None).await
    }

    /// [`App::intake`] under a request key: sent again with the same key (a reload, a
    /// double click), it answers the ticket the first send opened.
    pub async fn intake_once(
        &self,
        actor: &Actor,
        req: IntakeRequest,
        key: Option<&str>,
    ) -> AppResult<TicketRecord> {
        actor.require(&[Role::Admin, Role::Manager, Role::Agent], "open tickets")?;
        let key = key.map(crate::request_keys::checked).transpose()?;
        if let Some(id) = self.keyed_record(actor, key, "ticket.create").await? {
            return self.keyed_ticket(id).await;
        }
        let input = req.input.validate()?;
        // One read for unit, address, policy, contract, settings and the unit's completed
        // tickets (intake is the hot path); the reasons for a miss are looked up after.
        let Some(ctx) =
            store::intake_context(&self.db, req.unit, req.address, req.customer).await?
        else {
            return Err(self.intake_miss(&req).await);
        };
        if ctx.unit_owner != req.customer {
            return Err(AppError::invalid(
                "unit",
                format!(
                    "unit {} does not belong to customer {}",
                    req.unit, req.customer
                ),
            ));
        }
        if ctx.address_owner != req.customer {
            return Err(AppError::invalid(
                "address",
                "the address is another customer's",
            ));
        }
        if let Some(f) = input.fault_code {
            self.check_fault_code(f, ctx.product_line).await?;
        }
        let settings = ctx.settings;
        let tz: chrono_tz::Tz = match &ctx.time_zone {
            Some(name) => name.parse().map_err(|_| {
                AppError::Unexpected(format!("company time zone '{name}' is unknown"))
            })?,
            None => aftercare_domain::settings::CompanySettings::default()
                .time_zone
                .parse()
                .unwrap_or(chrono_tz::Asia::Shanghai),
        };
        let policy = ctx.policy.unwrap_or(WarrantyTerms {
            unit_months: 0,
            key_parts_months: 0,
            labour_months: 0,
        });
        let contract = ctx.contract;
        let (region, tier) = (ctx.region, ctx.tier);
        let prior = ctx.prior.clone();
        let now = self.now();
        let intake_date = now.to_utc().with_timezone(&tz).date_naive();
        let a = assess_intake(
            &IntakeFacts {
                intake_at: now,
                intake_date,
                tier,
                purchase_date: ctx.purchase_date,
                policy: &policy,
                contract: contract.as_ref(),
                prior: &prior,
            },
            &settings.sla,
            &settings.rules,
        );
        let address = ctx.address;
        let ranking = if req.auto_dispatch {
            Some(self.rank_for(region, ctx.product_line).await?)
        } else {
            None
        };
        let mut state = a.state.clone();
        let dispatch_entry = match ranking.as_ref().and_then(Ranking::auto_pick) {
            Some(station) => Some(
                state
                    .apply(
                        aftercare_domain::ticket::Actor::System,
                        TicketAction::Dispatch { station },
                        now,
                        &settings.rules,
                    )
                    .map_err(transition_error)?,
            ),
            None => None,
        };
        let (actor_id, actor_role) = match ticket_actor(actor) {
            aftercare_domain::ticket::Actor::User { id, role } => {
                (Some(id).filter(|i| i.0 > 0), Some(role))
            }
            aftercare_domain::ticket::Actor::System => (None, None),
        };
        let mut events = vec![NewEvent {
            at: now,
            actor_id,
            actor_role,
            action: "create".into(),
            from: TicketStatus::New,
            to: TicketStatus::New,
            station: None,
            note: a
                .repeat_of
                .map(|p| format!("repeat repair of ticket {}", p.ticket)),
            data: serde_json::json!({
                "warranty": a.warranty.status.code(),
                "warranty_reason": a.warranty.reason_text(),
                "repeat_of": a.repeat_of.map(|p| p.ticket.0),
            }),
        }];
        let dispatched = dispatch_entry.is_some();
        if let Some(e) = &dispatch_entry {
            events.push(NewEvent::from_entry(e));
        }
        let mut entry = actor.audit(now, "ticket.create", "ticket", 0);
        let mut new = NewTicket {
            // Numbered inside the write, from the day's sequence.
            number: String::new(),
            ticket_type: input.ticket_type,
            channel: input.channel,
            priority: input.priority,
            customer_id: req.customer,
            unit_id: ctx.unit,
            product_line_id: ctx.product_line,
            address_id: address,
            region_id: region,
            tier,
            fault_description: input.fault_description.clone(),
            reported_fault_code: input.fault_code,
            warranty: a.warranty,
            repeat_of: a.repeat_of,
            deadlines: a.deadlines,
            created_by: actor.principal().map(|p| p.user_id),
        };
        let warranty = a.warranty.status.code();
        let claim = key.map(|k| {
            (
                k.to_string(),
                crate::request_keys::key_use(actor, "ticket.create", 0),
            )
        });
        // The write goes through the intake group writer: one transaction (and on SQLite one
        // fsync) for the intakes that arrive together, each in its own savepoint; answered
        // only after that commit.
        let written = self
            .intake_writer()
            .write(
                move |tx: &mut Tx| -> JobFuture<'_, AppResult<TicketRecord>> {
                    Box::pin(async move {
                        // The same form sent twice at once lands in one group: the second
                        // finds the key the first claimed in this transaction and answers
                        // its ticket (a failed job would be answered before the commit,
                        // when the first's key is not yet visible outside).
                        if let Some((k, used)) = &claim
                            && let Some(found) =
                                aftercare_store::request_keys::find_in(tx, k).await?
                        {
                            let id = crate::request_keys::first_record(found, used, k)?;
                            return store::get_ticket_for_update(tx, TicketId(id))
                                .await?
                                .ok_or_else(|| {
                                    AppError::Unexpected(format!(
                                        "ticket {id} of a request key is gone"
                                    ))
                                });
                        }
                        let seq = store::next_sequence(tx, intake_date).await?;
                        new.number = TicketNumber::new(intake_date, seq)
                            .map_err(|e| AppError::Conflict {
                                code: "ticket.number_exhausted".into(),
                                message: e.to_string(),
                            })?
                            .to_string();
                        // Written in its final state at once (dispatched when auto-dispatched):
                        // one statement.
                        let id = store::insert_ticket(tx, &new, &state).await?;
                        let version = 1;
                        let record = record_of(&new, id, &state, version, now);
                        let mut outbox = vec![(
                            "ticket.created",
                            event_payload("ticket.created", &record, now),
                        )];
                        if dispatched {
                            outbox.push((
                                "ticket.dispatched",
                                event_payload("ticket.dispatched", &record, now),
                            ));
                        }
                        entry.object_id = id.to_string();
                        entry.after = Some(serde_json::json!({
                            "number": record.number,
                            "status": state.status.code(),
                            "station": state.station.map(|s| s.0),
                            "warranty": warranty,
                        }));
                        store::insert_intake_rows(tx, id, &events, &outbox, now, &entry).await?;
                        if let Some((k, mut used)) = claim {
                            used.object_id = id.to_string();
                            aftercare_store::request_keys::record(tx, &k, &used, now).await?;
                        }
                        Ok(record)
                    })
                },
            )
            .await;
        match (written, key) {
            // The same key sent twice at once: the second write fails on the key the first
            // claimed, and answers the first's ticket.
            (Err(e), Some(k)) => match self.keyed_record(actor, Some(k), "ticket.create").await? {
                Some(id) => self.keyed_ticket(id).await,
                None => Err(e),
            },
            (written, _) => written,
        }
    }

    /// The ticket a request key opened.
    async fn keyed_ticket(&self, id: i64) -> AppResult<TicketRecord> {
        store::get_ticket(&self.db, TicketId(id))
            .await?
            .ok_or_else(|| AppError::Unexpected(format!("ticket {id} of a request key is gone")))
    }

    /// Why intake found no context: no address to visit, no such unit or no such address.
    async fn intake_miss(&self, req: &IntakeRequest) -> AppError {
        let address = match req.address {
            Some(a) => a,
            None => match store::first_address(&self.db, req.customer).await {
                Ok(Some(a)) => a,
                Ok(None) => return AppError::invalid("address", "the customer has no address"),
                Err(e) => return e.into(),
            },
        };
        match store::get_unit(&self.db, req.unit).await {
            Ok(None) => AppError::invalid("unit", format!("unit {} does not exist", req.unit)),
            Ok(Some(_)) => {
                AppError::invalid("address", format!("address {address} does not exist"))
            }
            Err(e) => e.into(),
        }
    }

    /// The intake group writer's counters (for benchmarks; `None` before the first intake).
    pub fn intake_writer_stats(&self) -> Option<&aftercare_store::group::GroupStats> {
        self.intake_writer.get().map(GroupWriter::stats)
    }

    /// The intake group writer, started on first use (one per application).
    fn intake_writer(&self) -> &GroupWriter {
        self.intake_writer
            .get_or_init(|| GroupWriter::start(self.db.clone()))
    }

    async fn check_fault_code(&self, f: FaultCodeId, line: ProductLineId) -> AppResult<()> {
        match store::fault_code_line(&self.db, f).await? {
            Some(l) if l == line => Ok(()),
            Some(_) => Err(AppError::invalid(
                "fault_code",
                format!("fault code {f} belongs to another product line"),
            )),
            None => Err(AppError::invalid(
                "fault_code",
                format!("fault code {f} does not exist"),
            )),
        }
    }

    async fn rank_for(
        &self,
        region: aftercare_domain::RegionId,
        line: ProductLineId,
    ) -> AppResult<Ranking> {
        let (path, candidates) = store::dispatch_view(&self.db, region).await?;
        Ok(rank_stations(
            &DispatchRequest {
                region_path: path,
                product_line: line,
            },
            &candidates,
            RankingWeights::default(),
        ))
    }

    /// A ticket visible to the actor, else "not found" (no existence leak across stations).
    pub async fn visible_ticket(&self, actor: &Actor, id: TicketId) -> AppResult<TicketRecord> {
        actor.require(TICKET_READERS, "see tickets")?;
        let t = store::get_ticket(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("ticket"))?;
        actor.ensure_station_visible(t.state.station, "ticket")?;
        Ok(t)
    }

    /// A ticket with its customer, unit, timeline, SLA state and the caller's actions.
    pub async fn ticket(&self, actor: &Actor, id: TicketId) -> AppResult<TicketDetail> {
        let ticket = self.visible_ticket(actor, id).await?;
        let settings = store::get_settings(&self.db).await?;
        let customer = store::get_customer(&self.db, ticket.customer_id)
            .await?
            .ok_or_else(|| AppError::Unexpected("ticket without customer".into()))?;
        let unit = store::get_unit(&self.db, ticket.unit_id)
            .await?
            .ok_or_else(|| AppError::Unexpected("ticket without unit".into()))?;
        let now = self.now();
        let sla = SlaReport::at(
            &ticket.deadlines,
            &SlaProgress::from(ticket.state.milestones),
            now,
            &settings.sla,
        );
        let actions = ticket.state.available_actions(ticket_actor(actor));
        let station_name = match ticket.state.station {
            Some(s) => store::station_names(&self.db, &[s]).await?.remove(&s),
            None => None,
        };
        let technician_name = match (ticket.state.station, ticket.state.technician) {
            (Some(s), Some(t)) => Some(
                store::technicians_of(&self.db, s)
                    .await?
                    .into_iter()
                    .find(|(id, _)| *id == t)
                    .map_or_else(|| format!("#{}", t.0), |(_, name)| name),
            ),
            _ => None,
        };
        let mut timeline = store::timeline(&self.db, id).await?;
        if let Some(own) = actor.own_station() {
            for e in &mut timeline {
                redact_other_station(e, own);
            }
        }
        Ok(TicketDetail {
            timeline,
            breaches: store::breaches_of(&self.db, id).await?,
            ticket,
            customer,
            unit,
            sla,
            actions,
            station_name,
            technician_name,
        })
    }

    /// Ranked station suggestions for a ticket waiting for dispatch (HQ).
    pub async fn dispatch_suggestions(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> AppResult<Suggestions> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Dispatcher],
            "dispatch tickets",
        )?;
        let t = self.visible_ticket(actor, id).await?;
        let ranking = self.rank_for(t.region_id, t.product_line_id).await?;
        let mut ids: Vec<StationId> = ranking.ranked.iter().map(|r| r.station).collect();
        ids.extend(ranking.excluded.iter().map(|e| e.station));
        let names = store::station_names(&self.db, &ids).await?;
        let name = |s: StationId| names.get(&s).cloned().unwrap_or_default();
        Ok(Suggestions {
            ranked: ranking
                .ranked
                .iter()
                .map(|r| StationSuggestion {
                    station: r.station,
                    name: name(r.station),
                    open_load: r.open_load,
                    capacity: r.capacity,
                    score: r.score,
                    at_capacity: r.at_capacity,
                    explanation: r.explain(),
                })
                .collect(),
            excluded: ranking
                .excluded
                .iter()
                .map(|e| (e.station, name(e.station), e.why.to_string()))
                .collect(),
        })
    }

    /// Dispatch to the top-ranked station that has room.
    pub async fn auto_dispatch(&self, actor: &Actor, id: TicketId) -> AppResult<TicketRecord> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Dispatcher],
            "dispatch tickets",
        )?;
        let t = self.visible_ticket(actor, id).await?;
        let ranking = self.rank_for(t.region_id, t.product_line_id).await?;
        let station = ranking.auto_pick().ok_or_else(|| AppError::Conflict {
            code: "ticket.no_station".into(),
            message:
                "no active station with free capacity covers this ticket's region and product line"
                    .into(),
        })?;
        self.act(
            actor,
            id,
            TicketAction::Dispatch { station },
            TicketExtras::default(),
        )
        .await
    }

    /// Apply one action to a ticket: scope, data checks (station qualifies, technician of
    /// the station, fault code of the product line), the state machine, then one write
    /// transaction with the new state (version-checked), timeline, callback record, SLA
    /// breaches met late, outbox event and audit entry.
    ///
    /// `parts_arrived` takes the parts path ([`App::parts_arrived`]'s pick-up of the waiting
    /// lines first), so the action button, the API action and the parts page do the same.
    pub async fn act(
        &self,
        actor: &Actor,
        id: TicketId,
        action: TicketAction,
        extras: TicketExtras,
    ) -> AppResult<TicketRecord> {
        if action.kind() == ActionKind::PartsArrived {
            return self.parts_arrived_action(actor, id).await;
        }
        self.act_now(actor, id, action, extras).await
    }

    /// [`App::act`] without the parts pick-up: the transition itself.
    pub(crate) async fn act_now(
        &self,
        actor: &Actor,
        id: TicketId,
        action: TicketAction,
        extras: TicketExtras,
    ) -> AppResult<TicketRecord> {
        let t = self.visible_ticket(actor, id).await?;
        self.check_action_data(&t, &action).await?;
        if let Some(m) = extras.labour_minutes
            && !(0..=100_000).contains(&m)
        {
            return Err(AppError::invalid("labour_minutes", "must be 0 to 100000"));
        }
        let kind = action.kind();
        let after = self.transition(&t, Some(actor), action, extras).await?;
        if matches!(
            kind,
            ActionKind::Cancel | ActionKind::Recall | ActionKind::Complete
        ) {
            // The transition is committed; a failed release must not undo it (reservations
            // lapse at their expiry, the parts sweep retries returns), so it is logged.
            if let Err(e) = self.release_ticket_parts(actor, id).await {
                tracing::error!(ticket = id.0, error = %e, "releasing the ticket's parts failed");
            }
        }
        Ok(after)
    }

    /// Apply one checked action to `t` as `actor` (none: the system) in one write
    /// transaction: state (version-checked), timeline, callback record, late SLA
    /// milestones, outbox event, audit entry.
    pub(crate) async fn transition(
        &self,
        t: &TicketRecord,
        actor: Option<&Actor>,
        action: TicketAction,
        extras: TicketExtras,
    ) -> AppResult<TicketRecord> {
        let id = t.id;
        let settings = store::get_settings(&self.db).await?;
        let now = self.now();
        let mut state = t.state.clone();
        let who = actor
            .map(ticket_actor)
            .unwrap_or(aftercare_domain::ticket::Actor::System);
        let entry = state
            .apply(who, action.clone(), now, &settings.rules)
            .map_err(transition_error)?;
        if repeats(&t.state, &action) {
            // The same booking or technician again (a form sent twice): allowed, but
            // nothing changes, so no second timeline entry and no second notice.
            return Ok(t.clone());
        }
        let mut tx = self.db.begin_write().await?;
        let version = store::update_state(&mut tx, id, t.version, &state, &extras)
            .await
            .map_err(|e| match e {
                aftercare_store::StoreError::Conflict(m) => AppError::Conflict {
                    code: "ticket.stale".into(),
                    message: m,
                },
                other => other.into(),
            })?;
        store::insert_events(&mut tx, id, &[NewEvent::from_entry(&entry)]).await?;
        if let TicketAction::Callback(o) = &action {
            store::insert_callback(
                &mut tx,
                &NewCallback {
                    ticket: id,
                    at: now,
                    agent: actor.and_then(|a| a.principal()).map(|p| p.user_id),
                    fixed: o.fixed,
                    satisfaction: o.satisfaction.get(),
                    comments: o.comments.trim().to_string(),
                    false_completion: o.false_completion,
                    station: t.state.station,
                },
            )
            .await?;
        }
        let mut after = t.clone();
        after.state = state.clone();
        after.version = version;
        if let Some(e) = &extras.actions_taken {
            after.actions_taken = Some(e.clone());
        }
        if extras.labour_minutes.is_some() {
            after.labour_minutes = extras.labour_minutes;
        }
        record_late_milestones(&mut tx, t, &after, &settings, now).await?;
        if let Some(name) = event_name(action.kind(), state.status) {
            store::insert_outbox(
                &mut tx,
                Some(id),
                &[(name, event_payload(name, &after, now))],
                now,
            )
            .await?;
        }
        let audit_action = format!("ticket.{}", action.kind().code());
        let mut audit_entry = match actor {
            Some(a) => a.audit(now, &audit_action, "ticket", id),
            None => super::sweep::system_audit(now, &audit_action, id),
        };
        audit_entry.before = Some(
            serde_json::json!({ "status": t.state.status.code(), "station": t.state.station.map(|s| s.0) }),
        );
        audit_entry.after = Some(
            serde_json::json!({ "status": state.status.code(), "station": state.station.map(|s| s.0), "note": action.note() }),
        );
        audit::record(&mut tx, &audit_entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn check_action_data(&self, t: &TicketRecord, action: &TicketAction) -> AppResult<()> {
        match action {
            TicketAction::Dispatch { station } => {
                let ranking = self.rank_for(t.region_id, t.product_line_id).await?;
                if let Some(e) = ranking.excluded.iter().find(|e| e.station == *station) {
                    return Err(AppError::invalid(
                        "station",
                        format!("station {station} cannot take this ticket: {}", e.why),
                    ));
                }
                if !ranking.ranked.iter().any(|r| r.station == *station) {
                    return Err(AppError::invalid(
                        "station",
                        format!("station {station} does not cover this ticket's region"),
                    ));
                }
                Ok(())
            }
            TicketAction::AssignTechnician { technician } => {
                self.check_technician(t, *technician).await
            }
            TicketAction::Complete(c) => {
                // Issued parts must be settled (used / returned) first, or the ledger would
                // keep units at the ticket that nobody accounts for.
                let unsettled = aftercare_store::ticket_parts::lines_of(&self.db, t.id)
                    .await?
                    .iter()
                    .filter(|l| l.status == PartLineStatus::Issued)
                    .count();
                if unsettled > 0 {
                    return Err(AppError::invalid(
                        "parts",
                        format!(
                            "{unsettled} issued part line(s) are not settled: complete the repair with the parts used and returned per line"
                        ),
                    ));
                }
                match c.fault_code {
                    Some(f) => self.check_fault_code(f, t.product_line_id).await,
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    async fn check_technician(&self, t: &TicketRecord, tech: TechnicianId) -> AppResult<()> {
        match store::technician_station(&self.db, tech).await? {
            Some((s, true)) if Some(s) == t.state.station => Ok(()),
            Some((s, false)) if Some(s) == t.state.station => Err(AppError::invalid(
                "technician",
                format!("technician {tech} is not active"),
            )),
            // Another station's technician does not exist for this ticket.
            _ => Err(AppError::Invalid(vec![ValidationError::new(
                "technician",
                format!("technician {tech} does not work for the ticket's station"),
            )])),
        }
    }

    /// Search tickets (number, phone, serial, status, station, date range). Station and
    /// technician users only ever get their station's tickets.
    pub async fn search_tickets(
        &self,
        actor: &Actor,
        mut filter: TicketFilter,
    ) -> AppResult<Vec<TicketSummary>> {
        actor.require(TICKET_READERS, "search tickets")?;
        if let Some(d) = filter.phone_digits.take() {
            let digits = aftercare_domain::phone::normalize_for_search(&d);
            if digits.is_empty() {
                return Err(AppError::invalid("phone", "has no digits"));
            }
            filter.phone_digits = Some(digits);
        }
        if let Some(s) = filter.serial.take() {
            filter.serial = Some(aftercare_domain::customer::normalize_serial(&s)?);
        }
        if let Some(n) = filter.number.take() {
            filter.number = Some(
                TicketNumber::parse(&n)
                    .map_err(|e| AppError::invalid("number", e.to_string()))?
                    .to_string(),
            );
        }
        match actor.scope() {
            Scope::All => {}
            Scope::Station(own) => {
                if filter.station.is_some_and(|s| s != own) {
                    return Ok(Vec::new());
                }
                filter.station = Some(own);
            }
            Scope::Brand(_) => return Ok(Vec::new()),
        }
        Ok(store::search(&self.db, &filter).await?)
    }

    /// The dispatcher's queue: new and returned tickets, oldest deadline first.
    pub async fn dispatch_queue(&self, actor: &Actor) -> AppResult<Vec<TicketSummary>> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Dispatcher],
            "see the dispatch queue",
        )?;
        let mut v = store::search(
            &self.db,
            &TicketFilter {
                statuses: vec![TicketStatus::New, TicketStatus::Returned],
                limit: 500,
                ..Default::default()
            },
        )
        .await?;
        v.sort_by_key(|t| (t.on_site_due, t.id));
        Ok(v)
    }

    /// The call centre's callback queue: completed tickets waiting for the survey.
    pub async fn callback_queue(&self, actor: &Actor) -> AppResult<Vec<TicketSummary>> {
        actor.require(
            &[Role::Admin, Role::Manager, Role::Agent],
            "see the callback queue",
        )?;
        Ok(store::search(
            &self.db,
            &TicketFilter {
                statuses: vec![TicketStatus::Completed],
                limit: 500,
                ..Default::default()
            },
        )
        .await?)
    }

    /// A technician's jobs (their assigned open tickets); for a station user, the station's.
    pub async fn my_jobs(&self, actor: &Actor) -> AppResult<Vec<TicketSummary>> {
        actor.require(&[Role::Station, Role::Technician, Role::Admin], "see jobs")?;
        let Some(p) = actor.principal() else {
            return Ok(Vec::new());
        };
        let user = aftercare_store::users::get(&self.db, p.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let open = vec![
            TicketStatus::Accepted,
            TicketStatus::Scheduled,
            TicketStatus::OnSite,
            TicketStatus::WaitingForParts,
        ];
        let filter = match (p.role, user.technician_id) {
            (Role::Technician, Some(tech)) => TicketFilter {
                technician: Some(tech),
                station: actor.own_station(),
                statuses: open,
                limit: 200,
                ..Default::default()
            },
            (Role::Technician, None) => return Ok(Vec::new()),
            _ => TicketFilter {
                station: actor.own_station(),
                statuses: open,
                limit: 200,
                ..Default::default()
            },
        };
        let mut v = store::search(&self.db, &filter).await?;
        v.sort_by_key(|t| (t.appointment_start.unwrap_or(Instant(i64::MAX)), t.id));
        Ok(v)
    }

    /// The SLA state of the tickets the actor may see, flagged at risk or breached.
    pub async fn sla_watch(
        &self,
        actor: &Actor,
    ) -> AppResult<(Vec<TicketSummary>, Vec<TicketSummary>)> {
        actor.require(TICKET_HQ, "watch SLAs")?;
        let at_risk = store::search(
            &self.db,
            &TicketFilter {
                at_risk: true,
                limit: 500,
                ..Default::default()
            },
        )
        .await?;
        let breached = store::search(
            &self.db,
            &TicketFilter {
                breached: true,
                limit: 500,
                ..Default::default()
            },
        )
        .await?;
        Ok((
            at_risk.into_iter().filter(|t| t.status.is_open()).collect(),
            breached
                .into_iter()
                .filter(|t| t.status.is_open())
                .collect(),
        ))
    }
}

/// Record deadlines that a transition met late (which deadline, by how much).
async fn record_late_milestones(
    tx: &mut Tx,
    before: &TicketRecord,
    after: &TicketRecord,
    settings: &TicketSettings,
    now: Instant,
) -> AppResult<()> {
    let report = |t: &TicketRecord| {
        SlaReport::at(
            &t.deadlines,
            &SlaProgress::from(t.state.milestones),
            now,
            &settings.sla,
        )
    };
    let (b, a) = (report(before), report(after));
    let mut late = Vec::new();
    for kind in aftercare_domain::sla::SlaKind::ALL {
        if let (
            SlaState::Breached { .. } | SlaState::OnTrack | SlaState::AtRisk,
            SlaState::MissedLate { by_millis },
        ) = (b.state(*kind), a.state(*kind))
        {
            late.push((*kind, after.deadlines.deadline(*kind), by_millis, false));
        }
    }
    let at_risk = after.state.status.is_open() && a.is_at_risk();
    let breached = after.state.status.is_open() && a.is_breached();
    if !late.is_empty() || at_risk != before.sla_at_risk || breached != before.sla_breached {
        store::record_sla(
            tx,
            after.id,
            at_risk,
            breached,
            &late,
            before.state.station,
            now,
        )
        .await?;
    }
    Ok(())
}

fn record_of(
    t: &NewTicket,
    id: TicketId,
    state: &aftercare_domain::ticket::TicketState,
    version: i64,
    now: Instant,
) -> TicketRecord {
    TicketRecord {
        id,
        number: t.number.clone(),
        ticket_type: t.ticket_type,
        channel: t.channel,
        priority: t.priority,
        customer_id: t.customer_id,
        unit_id: t.unit_id,
        product_line_id: t.product_line_id,
        address_id: t.address_id,
        region_id: t.region_id,
        tier: t.tier,
        fault_description: t.fault_description.clone(),
        reported_fault_code: t.reported_fault_code,
        warranty_status: t.warranty.status,
        warranty_reason: t.warranty.reason_text(),
        warranty: t.warranty,
        repeat_of: t.repeat_of.map(|p| p.ticket),
        repeat_of_station: t.repeat_of.map(|p| p.station),
        state: state.clone(),
        actions_taken: None,
        labour_minutes: None,
        deadlines: t.deadlines,
        sla_at_risk: false,
        sla_breached: false,
        created_at: now,
        created_by: t.created_by,
        version,
    }
}

/// A timeline entry made while another station held the ticket keeps what happened (action,
/// statuses, time, the actor's role) for the station that holds it now, but not who at the
/// other station acted, nor their note or the action's data: those are that station's.
fn redact_other_station(e: &mut aftercare_store::tickets::EventRecord, own: StationId) {
    if e.station_id.is_some_and(|s| s != own) {
        e.actor_id = None;
        e.actor_login = None;
        e.station_id = None;
        e.note = None;
        e.data = serde_json::Value::Null;
    }
}

/// Whether `action` would leave `state` as it is: the visit booked again for the slot it
/// has, the technician assigned again who holds the ticket.
fn repeats(state: &aftercare_domain::ticket::TicketState, action: &TicketAction) -> bool {
    match action {
        TicketAction::Schedule { appointment } => {
            state.status == TicketStatus::Scheduled && state.appointment == Some(*appointment)
        }
        TicketAction::AssignTechnician { technician } => state.technician == Some(*technician),
        _ => false,
    }
}
