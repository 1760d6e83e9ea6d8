//! Loading the demo's year of service history: every generated script is run through the
//! ticket state machine (so the stored tickets, timelines, callbacks, repeats and SLA
//! breaches are exactly what the product itself would have recorded), inside the demo's
//! one transaction.

use crate::error::{AppError, AppResult};
use aftercare_demo::service::{ServiceData, Step};
use aftercare_demo::{DemoData, Scale};
use aftercare_domain::customer::AddressInput;
use aftercare_domain::org::Tier;
use aftercare_domain::phone::PhoneNumber;
use aftercare_domain::sla::{SlaConfig, SlaProgress, SlaReport, SlaState};
use aftercare_domain::ticket::{
    Actor, Appointment, CallbackOutcome, Channel, Completion, IntakeFacts, PriorCompletion,
    Priority, Satisfaction, TicketAction, TicketNumber, TicketRules, TicketStatus, TicketType,
    assess_intake,
};
use aftercare_domain::warranty::{BrandContract, TermsOverride, WarrantyTerms};
use aftercare_domain::{
    BrandId, CustomerId, FaultCodeId, Instant, ProductLineId, Role, StationId, TechnicianId,
    TicketId, UnitId, UserId,
};
use aftercare_store::Tx;
use aftercare_store::org::{self, Coded};
use aftercare_store::tickets::{self as store, NewCallback, NewEvent, NewTicket, TicketExtras};
use std::collections::HashMap;

/// Write warranty policies, brand contracts, fault codes and the service history; returns
/// the number of tickets.
pub(crate) async fn write_service_demo(
    tx: &mut Tx,
    data: &DemoData,
    seed: u64,
    scale: Scale,
    now: Instant,
) -> AppResult<usize> {
    let service: ServiceData = aftercare_demo::service::generate_service(seed, scale, data, now.0);
    let tz: chrono_tz::Tz = data
        .company
        .settings()
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let mut lines: HashMap<ProductLineId, WarrantyTerms> = HashMap::new();
    let mut faults: HashMap<ProductLineId, Vec<FaultCodeId>> = HashMap::new();
    for l in &data.product_lines {
        let id = ProductLineId(
            org::id_by_code_tx(tx, Coded::ProductLine, &l.code)
                .await?
                .ok_or_else(|| AppError::Unexpected(format!("no product line {}", l.code)))?,
        );
        let terms = WarrantyTerms {
            unit_months: l.warranty_months,
            key_parts_months: l.key_parts_warranty_months,
            labour_months: l.warranty_months,
        };
        store::put_policy(tx, id, &terms).await?;
        lines.insert(id, terms);
        let mut codes = Vec::new();
        for (i, (zh, en)) in [
            ("无法开机", "No power"),
            ("显示异常", "Display fault"),
            ("异响", "Noise"),
            ("漏水或漏液", "Leak"),
        ]
        .iter()
        .enumerate()
        {
            codes.push(
                store::insert_fault_code(tx, id, &format!("{}-E{:02}", l.code, i + 1), zh, en)
                    .await?,
            );
        }
        faults.insert(id, codes);
    }
    let mut contracts: HashMap<BrandId, BrandContract> = HashMap::new();
    for (i, b) in data.brands.iter().enumerate().skip(1) {
        let brand = BrandId(
            org::id_by_code_tx(tx, Coded::Brand, &b.code)
                .await?
                .ok_or_else(|| AppError::Unexpected(format!("no brand {}", b.code)))?,
        );
        // The first ODM brand has longer cover by contract, the second bought out repairs.
        let contract = BrandContract {
            brand,
            overrides: if i == 1 {
                TermsOverride {
                    unit_months: Some(24),
                    key_parts_months: None,
                    labour_months: Some(24),
                }
            } else {
                TermsOverride::default()
            },
            buy_out: i == 2,
        };
        store::put_contract(tx, &contract).await?;
        contracts.insert(brand, contract);
    }
    let agent = store::user_id_tx(tx, "agent").await?.unwrap_or(UserId(0));
    let dispatcher = store::user_id_tx(tx, "dispatcher")
        .await?
        .unwrap_or(UserId(0));

    let mut customers: HashMap<&str, (CustomerId, i64, aftercare_domain::RegionId, Tier)> =
        HashMap::new();
    let created_at = Instant(now.0 - 400 * 86_400_000);
    for c in &service.customers {
        let (region, tier) = store::region_by_code_tx(tx, &c.region_code)
            .await?
            .ok_or_else(|| AppError::Unexpected(format!("no region {}", c.region_code)))?;
        let phone = PhoneNumber::parse(&c.phone)
            .map_err(|e| AppError::Unexpected(format!("demo phone {}: {e}", c.phone)))?;
        let id = store::insert_customer(
            tx,
            &c.name,
            &[phone],
            &[AddressInput {
                region,
                detail: c.address.clone(),
            }],
            created_at,
        )
        .await?;
        let address = store::first_address_tx(tx, id)
            .await?
            .ok_or_else(|| AppError::Unexpected("customer without address".into()))?;
        customers.insert(&c.code, (id, address, region, tier));
    }
    let mut units: HashMap<
        &str,
        (
            UnitId,
            CustomerId,
            ProductLineId,
            BrandId,
            Option<chrono::NaiveDate>,
        ),
    > = HashMap::new();
    let mut models = HashMap::new();
    for u in &service.units {
        let (model, line, brand) = match models.get(u.model_code.as_str()) {
            Some(m) => *m,
            None => {
                let m = store::model_by_code_tx(tx, &u.model_code)
                    .await?
                    .ok_or_else(|| AppError::Unexpected(format!("no model {}", u.model_code)))?;
                models.insert(u.model_code.as_str(), m);
                m
            }
        };
        let owner = customers[u.customer_code.as_str()].0;
        let valid = aftercare_domain::customer::ValidUnit {
            serial: u.serial.clone(),
            model,
            purchase_date: u.purchase_date,
            purchase_channel: aftercare_domain::customer::PurchaseChannel::parse(u.channel).ok(),
            production_batch: Some(u.batch.clone()),
        };
        let id = store::insert_unit(tx, &valid, owner, created_at).await?;
        units.insert(&u.serial, (id, owner, line, brand, u.purchase_date));
    }
    let owners: HashMap<&str, &str> = service
        .units
        .iter()
        .map(|u| (u.serial.as_str(), u.customer_code.as_str()))
        .collect();
    let mut stations: HashMap<String, StationId> = HashMap::new();
    let mut techs: HashMap<String, TechnicianId> = HashMap::new();
    let sla = SlaConfig::default();
    let rules = TicketRules::default();
    let mut prior: HashMap<UnitId, Vec<PriorCompletion>> = HashMap::new();
    let no_cover = WarrantyTerms {
        unit_months: 0,
        key_parts_months: 0,
        labour_months: 0,
    };
    for t in &service.tickets {
        let (unit, owner, line, brand, bought) = units[t.serial.as_str()];
        let (_, address, region, tier) = customers[owners[t.serial.as_str()]];
        let intake_at = Instant(t.intake_at);
        let intake_date = intake_at.to_utc().with_timezone(&tz).date_naive();
        let empty = Vec::new();
        let a = assess_intake(
            &IntakeFacts {
                intake_at,
                intake_date,
                tier,
                purchase_date: bought,
                policy: lines.get(&line).unwrap_or(&no_cover),
                contract: contracts.get(&brand),
                prior: prior.get(&unit).unwrap_or(&empty),
            },
            &sla,
            &rules,
        );
        let seq = store::next_sequence(tx, intake_date).await?;
        let number = TicketNumber::new(intake_date, seq)
            .map_err(|e| AppError::Unexpected(e.to_string()))?
            .to_string();
        let new = NewTicket {
            number,
            ticket_type: TicketType::parse(t.ticket_type).unwrap_or(TicketType::Repair),
            channel: Channel::parse(t.channel).unwrap_or(Channel::Hotline),
            priority: Priority::Normal,
            customer_id: owner,
            unit_id: unit,
            product_line_id: line,
            address_id: address,
            region_id: region,
            tier,
            fault_description: t.fault.to_string(),
            reported_fault_code: None,
            warranty: a.warranty,
            repeat_of: a.repeat_of,
            deadlines: a.deadlines,
            created_by: Some(agent).filter(|u| u.0 > 0),
        };
        let id = store::insert_ticket(tx, &new, &a.state).await?;
        let mut state = a.state.clone();
        let mut events = vec![NewEvent {
            at: intake_at,
            actor_id: Some(agent).filter(|u| u.0 > 0),
            actor_role: Some(Role::Agent),
            action: "create".into(),
            from: TicketStatus::New,
            to: TicketStatus::New,
            station: None,
            note: None,
            data: serde_json::json!({ "warranty": a.warranty.status.code() }),
        }];
        let mut extras = TicketExtras::default();
        let station_actor = Actor::User {
            id: UserId(0),
            role: Role::Station,
        };
        let tech_actor = Actor::User {
            id: UserId(0),
            role: Role::Technician,
        };
        for (offset, step) in &t.script {
            let at = Instant(t.intake_at + offset);
            let (actor, action) = match step {
                Step::Dispatch(code) => {
                    let s = match stations.get(code) {
                        Some(s) => *s,
                        None => {
                            let s = StationId(
                                org::id_by_code_tx(tx, Coded::Station, code)
                                    .await?
                                    .unwrap_or(0),
                            );
                            stations.insert(code.clone(), s);
                            s
                        }
                    };
                    (
                        Actor::User {
                            id: dispatcher,
                            role: Role::Dispatcher,
                        },
                        TicketAction::Dispatch { station: s },
                    )
                }
                Step::Reject(r) => (
                    station_actor,
                    TicketAction::Reject {
                        reason: r.to_string(),
                    },
                ),
                Step::Accept => (station_actor, TicketAction::Accept),
                Step::Assign(code) => {
                    let tid = match techs.get(code) {
                        Some(x) => *x,
                        None => {
                            let x = TechnicianId(
                                org::id_by_code_tx(tx, Coded::Technician, code)
                                    .await?
                                    .unwrap_or(0),
                            );
                            techs.insert(code.clone(), x);
                            x
                        }
                    };
                    (
                        station_actor,
                        TicketAction::AssignTechnician { technician: tid },
                    )
                }
                Step::Schedule { visit_after } => {
                    let start = Instant(at.0 + visit_after);
                    let appointment = Appointment::new(start, Instant(start.0 + 2 * 3_600_000))
                        .map_err(|e| AppError::Unexpected(e.to_string()))?;
                    (station_actor, TicketAction::Schedule { appointment })
                }
                Step::Arrive => (tech_actor, TicketAction::Arrive),
                Step::WaitForParts => (tech_actor, TicketAction::WaitForParts),
                Step::PartsArrived => (Actor::System, TicketAction::PartsArrived),
                Step::Complete(w) => {
                    extras.actions_taken = Some(w.to_string());
                    extras.labour_minutes = Some(60);
                    let fault = faults
                        .get(&line)
                        .and_then(|f| f.get((id.0 as usize) % f.len().max(1)))
                        .copied();
                    (
                        tech_actor,
                        TicketAction::Complete(Completion {
                            actions_taken: w.to_string(),
                            fault_code: fault,
                        }),
                    )
                }
                Step::Callback {
                    fixed,
                    satisfaction,
                } => (
                    Actor::User {
                        id: agent,
                        role: Role::Agent,
                    },
                    TicketAction::Callback(CallbackOutcome {
                        fixed: *fixed,
                        satisfaction: Satisfaction::new(*satisfaction)
                            .map_err(|e| AppError::Unexpected(e.to_string()))?,
                        comments: String::new(),
                        false_completion: !fixed,
                    }),
                ),
                Step::Close => (
                    Actor::User {
                        id: agent,
                        role: Role::Agent,
                    },
                    TicketAction::Close,
                ),
                Step::Cancel(r) => (
                    Actor::User {
                        id: agent,
                        role: Role::Agent,
                    },
                    TicketAction::Cancel {
                        reason: r.to_string(),
                    },
                ),
            };
            let station_before = state.station;
            let entry = match state.apply(actor, action.clone(), at, &rules) {
                Ok(e) => e,
                // A script step the machine refuses ends that ticket's story where it is.
                Err(_) => break,
            };
            if let TicketAction::Callback(o) = &action {
                store::insert_callback(
                    tx,
                    &NewCallback {
                        ticket: id,
                        at,
                        agent: Some(agent).filter(|u| u.0 > 0),
                        fixed: o.fixed,
                        satisfaction: o.satisfaction.get(),
                        comments: String::new(),
                        false_completion: o.false_completion,
                        station: station_before,
                    },
                )
                .await?;
            }
            events.push(NewEvent::from_entry(&entry));
        }
        if events.len() > 1 {
            store::update_state(tx, id, 1, &state, &extras).await?;
        }
        store::insert_events(tx, id, &events).await?;
        if let (Some(done), Some(s)) = (state.milestones.completed_at, state.station) {
            prior.entry(unit).or_default().push(PriorCompletion {
                ticket: TicketId(id.0),
                completed_at: done,
                station: s,
            });
        }
        let report = SlaReport::at(
            &a.deadlines,
            &SlaProgress::from(state.milestones),
            now,
            &sla,
        );
        let open = state.status.is_open();
        let breaches: Vec<_> = aftercare_domain::sla::SlaKind::ALL
            .iter()
            .filter_map(|k| match report.state(*k) {
                SlaState::Breached { by_millis } => {
                    Some((*k, a.deadlines.deadline(*k), by_millis, true))
                }
                SlaState::MissedLate { by_millis } => {
                    Some((*k, a.deadlines.deadline(*k), by_millis, false))
                }
                _ => None,
            })
            .collect();
        let at_risk = open && report.is_at_risk();
        let breached = open && report.is_breached();
        if !breaches.is_empty() || at_risk {
            store::record_sla(tx, id, at_risk, breached, &breaches, state.station, now).await?;
        }
    }
    Ok(service.tickets.len())
}
