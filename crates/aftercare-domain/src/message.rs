//! Customer message templates: the SMS / WeChat texts sent for the customer-facing ticket
//! events, in 简体中文 and English, with named placeholders such as `{ticket_number}`.
//!
//! A template is checked when it is saved ([`MessageTemplate::parse`]): an unknown
//! placeholder, a stray brace, an empty body or one longer than [`MAX_BODY_CHARS`] is
//! refused with the position and the reason. Rendering a parsed template cannot fail: a
//! value the ticket does not have becomes its fallback ([`Placeholder::fallback`]), so a
//! message always goes out.
//!
//! Syntax: `{name}` is a placeholder; `{{` and `}}` stand for literal braces.

use crate::settings::Lang;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

/// Longest template body, in characters: a few SMS segments, no more.
pub const MAX_BODY_CHARS: usize = 500;

/// The field name template body errors carry.
pub const BODY_FIELD: &str = "body";

/// A customer-facing event that has a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageEvent {
    /// An appointment was booked with the customer.
    #[serde(rename = "ticket.appointment_booked")]
    AppointmentBooked,
    /// The repair was completed.
    #[serde(rename = "ticket.completed")]
    Completed,
    /// The callback confirmed the repair.
    #[serde(rename = "ticket.callback_done")]
    CallbackDone,
}

impl MessageEvent {
    /// Every event with a message, in the order pages show them.
    pub const ALL: [MessageEvent; 3] = [
        MessageEvent::AppointmentBooked,
        MessageEvent::Completed,
        MessageEvent::CallbackDone,
    ];

    /// The webhook event name, e.g. `ticket.completed`.
    pub fn code(self) -> &'static str {
        match self {
            MessageEvent::AppointmentBooked => "ticket.appointment_booked",
            MessageEvent::Completed => "ticket.completed",
            MessageEvent::CallbackDone => "ticket.callback_done",
        }
    }

    /// The event for a webhook event name; `None` for events without a customer message.
    pub fn parse(code: &str) -> Option<MessageEvent> {
        MessageEvent::ALL.into_iter().find(|e| e.code() == code)
    }

    /// The built-in text, used until an admin saves another and again after a reset.
    pub fn default_body(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (MessageEvent::AppointmentBooked, Lang::ZhCn) => {
                "【售后服务】您的工单 {ticket_number} 已预约，技师将于 {appointment} 上门，请保持电话畅通。"
            }
            (MessageEvent::AppointmentBooked, Lang::En) => {
                "Your service ticket {ticket_number} is booked: a technician will visit at {appointment}. Please keep your phone at hand."
            }
            (MessageEvent::Completed, Lang::ZhCn) => {
                "【售后服务】您的工单 {ticket_number} 已完工。我们将回访了解维修效果，感谢您的耐心。"
            }
            (MessageEvent::Completed, Lang::En) => {
                "Your service ticket {ticket_number} is completed. We will call you to check the repair. Thank you for your patience."
            }
            (MessageEvent::CallbackDone, Lang::ZhCn) => {
                "【售后服务】感谢您对工单 {ticket_number} 的评价，祝您生活愉快。"
            }
            (MessageEvent::CallbackDone, Lang::En) => {
                "Thank you for rating service ticket {ticket_number}. Have a nice day."
            }
        }
    }
}

/// A named value a template can insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// The ticket number, e.g. `T20261122-000123`.
    TicketNumber,
    /// The appointment start in the company time zone, `YYYY-MM-DD HH:MM`.
    Appointment,
    /// The customer's name.
    CustomerName,
    /// The name of the station handling the ticket.
    StationName,
    /// The station's phone number.
    StationPhone,
    /// The assigned technician's name.
    Technician,
    /// The product model's name in the message language.
    ProductModel,
}

impl Placeholder {
    /// Every placeholder, in the order the editor lists them.
    pub const ALL: [Placeholder; 7] = [
        Placeholder::TicketNumber,
        Placeholder::Appointment,
        Placeholder::CustomerName,
        Placeholder::StationName,
        Placeholder::StationPhone,
        Placeholder::Technician,
        Placeholder::ProductModel,
    ];

    /// The name written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::TicketNumber => "ticket_number",
            Placeholder::Appointment => "appointment",
            Placeholder::CustomerName => "customer_name",
            Placeholder::StationName => "station_name",
            Placeholder::StationPhone => "station_phone",
            Placeholder::Technician => "technician",
            Placeholder::ProductModel => "product_model",
        }
    }

    /// The placeholder called `name`.
    pub fn parse(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }

    /// What is inserted when the ticket has no value: the appointment reads "the agreed
    /// time" (as the built-in texts always did); every other placeholder becomes empty.
    pub fn fallback(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Placeholder::Appointment, Lang::ZhCn) => "约定时间",
            (Placeholder::Appointment, Lang::En) => "the agreed time",
            _ => "",
        }
    }
}

/// The values of one ticket for rendering; `None` where the ticket has none (no station
/// yet, no appointment ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageValues {
    /// Ticket number.
    pub ticket_number: Option<String>,
    /// Appointment start, already formatted in the company time zone.
    pub appointment: Option<String>,
    /// Customer name.
    pub customer_name: Option<String>,
    /// Station name.
    pub station_name: Option<String>,
    /// Station phone.
    pub station_phone: Option<String>,
    /// Technician name.
    pub technician: Option<String>,
    /// Product model name in the message language.
    pub product_model: Option<String>,
}

impl MessageValues {
    /// The value for `p`, if the ticket has one (blank counts as none).
    pub fn get(&self, p: Placeholder) -> Option<&str> {
        let v = match p {
            Placeholder::TicketNumber => &self.ticket_number,
            Placeholder::Appointment => &self.appointment,
            Placeholder::CustomerName => &self.customer_name,
            Placeholder::StationName => &self.station_name,
            Placeholder::StationPhone => &self.station_phone,
            Placeholder::Technician => &self.technician,
            Placeholder::ProductModel => &self.product_model,
        };
        v.as_deref().filter(|s| !s.trim().is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Value(Placeholder),
}

/// A checked template, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplate {
    body: String,
    parts: Vec<Part>,
}

impl MessageTemplate {
    /// Check `body` (trimmed) and split it into text and placeholders. Every problem is
    /// reported, each naming its character position (1-based) and what to write instead.
    pub fn parse(body: &str) -> Result<MessageTemplate, Vec<ValidationError>> {
        let body = body.trim();
        let err = |reason: String| ValidationError::new(BODY_FIELD, reason);
        if body.is_empty() {
            return Err(vec![err("must not be empty".into())]);
        }
        let mut errors = Vec::new();
        let len = body.chars().count();
        if len > MAX_BODY_CHARS {
            errors.push(err(format!("must be at most {MAX_BODY_CHARS} characters")));
        }
        let chars: Vec<char> = body.chars().collect();
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match c {
                '{' if next == Some('{') => {
                    text.push('{');
                    i += 2;
                }
                '}' if next == Some('}') => {
                    text.push('}');
                    i += 2;
                }
                '}' => {
                    errors.push(err(format!(
                        "unmatched '}}' at character {}: write }}}} for a literal brace",
                        i + 1
                    )));
                    i += 1;
                }
                '{' => {
                    // The placeholder runs to the next '}', unless another '{' comes first.
                    let close = chars[i + 1..]
                        .iter()
                        .position(|&c| c == '}' || c == '{')
                        .map(|p| i + 1 + p)
                        .filter(|&p| chars[p] == '}');
                    match close {
                        None => {
                            errors.push(err(format!(
                                "unclosed '{{' at character {}: close the placeholder with }} or write {{{{ for a literal brace",
                                i + 1
                            )));
                            i += 1;
                        }
                        Some(end) => {
                            let name: String = chars[i + 1..end].iter().collect();
                            match Placeholder::parse(&name) {
                                Some(p) => {
                                    if !text.is_empty() {
                                        parts.push(Part::Text(std::mem::take(&mut text)));
                                    }
                                    parts.push(Part::Value(p));
                                }
                                None => errors.push(err(format!(
                                    "unknown placeholder {{{name}}} at character {}; known: {}",
                                    i + 1,
                                    known_list()
                                ))),
                            }
                            i = end + 1;
                        }
                    }
                }
                c => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(MessageTemplate {
            body: body.to_string(),
            parts,
        })
    }

    /// The template as written (trimmed).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The placeholders used, in order of appearance (repeats included).
    pub fn placeholders(&self) -> Vec<Placeholder> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Value(v) => Some(*v),
                Part::Text(_) => None,
            })
            .collect()
    }

    /// The message for a ticket in `lang`; a missing value becomes its fallback.
    pub fn render(&self, lang: Lang, values: &MessageValues) -> String {
        let mut out = String::with_capacity(self.body.len() + 32);
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Value(p) => out.push_str(values.get(*p).unwrap_or(p.fallback(lang))),
            }
        }
        out
    }
}

/// `{ticket_number}, {appointment}, ...` for error messages and the editor.
pub fn known_list() -> String {
    Placeholder::ALL
        .iter()
        .map(|p| format!("{{{}}}", p.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> MessageValues {
        MessageValues {
            ticket_number: Some("T20261122-000001".into()),
            appointment: Some("2026-11-22 14:00".into()),
            customer_name: Some("张三".into()),
            station_name: Some("锦江服务站".into()),
            station_phone: Some("028-88886666".into()),
            technician: Some("李师傅".into()),
            product_model: Some("启澜 55 英寸电视".into()),
        }
    }

    fn reasons(body: &str) -> Vec<String> {
        MessageTemplate::parse(body)
            .unwrap_err()
            .into_iter()
            .map(|e| {
                assert_eq!(e.field, BODY_FIELD);
                e.reason
            })
            .collect()
    }

    #[test]
    fn every_placeholder_is_replaced_by_its_value() {
        let body = Placeholder::ALL
            .iter()
            .map(|p| format!("{}={{{}}}", p.name(), p.name()))
            .collect::<Vec<_>>()
            .join("|");
        let t = MessageTemplate::parse(&body).unwrap();
        assert_eq!(t.placeholders(), Placeholder::ALL.to_vec());
        assert_eq!(
            t.render(Lang::ZhCn, &full()),
            "ticket_number=T20261122-000001|appointment=2026-11-22 14:00|customer_name=张三|\
             station_name=锦江服务站|station_phone=028-88886666|technician=李师傅|\
             product_model=启澜 55 英寸电视"
        );
    }

    #[test]
    fn missing_values_render_as_their_documented_fallback() {
        let t = MessageTemplate::parse("{customer_name}您好，{technician}将于{appointment}上门")
            .unwrap();
        let none = MessageValues::default();
        assert_eq!(t.render(Lang::ZhCn, &none), "您好，将于约定时间上门");
        assert_eq!(
            t.render(Lang::En, &none),
            "您好，将于the agreed time上门",
            "the fallback follows the message language"
        );
        let blank = MessageValues {
            customer_name: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(t.render(Lang::ZhCn, &blank), "您好，将于约定时间上门");
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_position() {
        let r = reasons("您的工单 {ticket_no} 已完工");
        assert_eq!(r.len(), 1);
        assert!(
            r[0].starts_with(
                "unknown placeholder {ticket_no} at character 6; known: {ticket_number}"
            ),
            "{}",
            r[0]
        );
        assert!(reasons("{}")[0].starts_with("unknown placeholder {} at character 1"));
        assert!(
            reasons("{Ticket_Number}")[0].contains("{Ticket_Number}"),
            "names are exact"
        );
    }

    #[test]
    fn stray_braces_are_refused_and_doubled_braces_are_literal() {
        assert_eq!(
            reasons("工单 {ticket_number"),
            [
                "unclosed '{' at character 4: close the placeholder with } or write {{ for a literal brace"
            ]
        );
        assert_eq!(
            reasons("a } b"),
            ["unmatched '}' at character 3: write }} for a literal brace"]
        );
        assert_eq!(
            reasons("{a{ticket_number}")[0],
            "unclosed '{' at character 1: close the placeholder with } or write {{ for a literal brace"
        );
        // Every problem at once.
        assert_eq!(reasons("} {x} {").len(), 3);
        let t = MessageTemplate::parse("{{code}} {ticket_number} }}").unwrap();
        assert_eq!(t.render(Lang::En, &full()), "{code} T20261122-000001 }");
    }

    #[test]
    fn empty_and_overlong_bodies_are_refused() {
        assert_eq!(reasons("   \n "), ["must not be empty"]);
        let exact = "字".repeat(MAX_BODY_CHARS);
        assert!(
            MessageTemplate::parse(&exact).is_ok(),
            "the limit counts characters"
        );
        assert_eq!(
            reasons(&format!("{exact}x")),
            ["must be at most 500 characters"]
        );
        assert_eq!(MessageTemplate::parse("  hi  ").unwrap().body(), "hi");
    }

    #[test]
    fn the_defaults_parse_and_keep_the_old_texts() {
        for e in MessageEvent::ALL {
            assert_eq!(MessageEvent::parse(e.code()), Some(e));
            for lang in Lang::ALL {
                let t = MessageTemplate::parse(e.default_body(lang)).unwrap();
                assert!(t.placeholders().contains(&Placeholder::TicketNumber));
            }
        }
        let t = MessageTemplate::parse(MessageEvent::AppointmentBooked.default_body(Lang::ZhCn))
            .unwrap();
        let v = MessageValues {
            ticket_number: Some("T1".into()),
            ..Default::default()
        };
        assert_eq!(
            t.render(Lang::ZhCn, &v),
            "【售后服务】您的工单 T1 已预约，技师将于 约定时间 上门，请保持电话畅通。"
        );
        assert_eq!(MessageEvent::parse("ticket.created"), None);
    }
}
