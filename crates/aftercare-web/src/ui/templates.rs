//! Admin pages for the customer message templates: the list per event in both languages
//! with a reset button, and the editor with the placeholder list and a server-side preview.
//! A bad template re-shows the form with what was typed and the problem beside it, and
//! saves nothing.

use super::{Page, app_error_page, format_instant, render};
use super::{PageForm, PagePath, PageQuery};
use crate::i18n::reasons::reason_zh;
use crate::middleware::CurrentUser;
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_app::message_templates::{PreviewRequest, TemplateView};
use aftercare_domain::message::{MAX_BODY_CHARS, MessageEvent, Placeholder};
use aftercare_domain::settings::Lang;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The translation key of an event's label.
fn event_key(event: &str) -> &'static str {
    match MessageEvent::parse(event) {
        Some(MessageEvent::AppointmentBooked) => "templates.event.appointment_booked",
        Some(MessageEvent::Completed) => "templates.event.completed",
        Some(MessageEvent::CallbackDone) => "templates.event.callback_done",
        None => "templates.event.unknown",
    }
}

/// The translation key of a placeholder's description.
fn placeholder_key(p: Placeholder) -> &'static str {
    match p {
        Placeholder::TicketNumber => "templates.ph.ticket_number",
        Placeholder::Appointment => "templates.ph.appointment",
        Placeholder::CustomerName => "templates.ph.customer_name",
        Placeholder::StationName => "templates.ph.station_name",
        Placeholder::StationPhone => "templates.ph.station_phone",
        Placeholder::Technician => "templates.ph.technician",
        Placeholder::ProductModel => "templates.ph.product_model",
    }
}

fn lang_label(lang: &str) -> &'static str {
    if lang == "en" {
        "English"
    } else {
        "简体中文"
    }
}

/// One language of an event on the list.
pub struct Row {
    event: String,
    lang: String,
    lang_label: &'static str,
    body: String,
    is_default: bool,
    version: i64,
    updated: String,
}

/// An event with its two languages.
pub struct EventGroup {
    key: &'static str,
    code: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "message_templates.html")]
struct ListTemplate {
    page: Page,
    groups: Vec<EventGroup>,
}

/// A rendered preview: the text and its length in characters.
pub struct PreviewBox {
    text: String,
    chars: usize,
}

/// A placeholder in the editor's list.
pub struct PlaceholderRow {
    name: &'static str,
    key: &'static str,
}

#[derive(Template)]
#[template(path = "message_template_edit.html")]
struct EditTemplate {
    page: Page,
    event: String,
    event_key: &'static str,
    lang: String,
    lang_label: &'static str,
    body: String,
    version: i64,
    default_body: String,
    is_default: bool,
    ticket_number: String,
    placeholders: Vec<PlaceholderRow>,
    max_chars: usize,
    preview: Option<PreviewBox>,
    body_error: Option<String>,
}

/// Query after a redirect: which notice to show.
#[derive(Deserialize, Default)]
pub struct Notice {
    ok: Option<String>,
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    *resp.status_mut() = status;
    resp
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    error: Option<&AppError>,
) -> Response {
    let templates = match state.app.message_templates(&user.actor()).await {
        Ok(t) => t,
        Err(e) => return app_error_page(user, &e),
    };
    let tz = match state.app.company_settings().await {
        Ok(s) => s.time_zone,
        Err(e) => return app_error_page(user, &e),
    };
    let mut page = Page::for_user(user, "templates.title", "/admin/templates");
    if let Some(key) = notice {
        page.notice = Some(page.tr.t(key).to_string());
    }
    if let Some(e) = error {
        page = page.with_error(e);
    }
    let mut groups: Vec<EventGroup> = Vec::new();
    for t in templates {
        let row = Row {
            lang_label: lang_label(&t.lang),
            updated: match (&t.updated_by, t.updated_at) {
                (Some(by), Some(at)) => format!("{by} · {}", format_instant(at.0, &tz)),
                _ => String::new(),
            },
            event: t.event.clone(),
            lang: t.lang,
            body: t.body,
            is_default: t.is_default,
            version: t.version,
        };
        match groups.iter_mut().find(|g| g.code == t.event) {
            Some(g) => g.rows.push(row),
            None => groups.push(EventGroup {
                key: event_key(&t.event),
                code: t.event,
                rows: vec![row],
            }),
        }
    }
    render(&ListTemplate { page, groups })
}

/// `GET /admin/templates`.
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PageQuery(n): PageQuery<Notice>,
) -> Response {
    let notice = match n.ok.as_deref() {
        Some("reset") => Some("templates.reset_done"),
        Some(_) => Some("templates.saved"),
        None => None,
    };
    list_page(&state, &user, notice, None).await
}

/// What the editor shows besides the stored template.
#[derive(Default)]
struct Draft {
    body: Option<String>,
    version: Option<i64>,
    ticket_number: String,
    preview: Option<PreviewBox>,
}

fn edit_page(
    user: &CurrentUser,
    t: TemplateView,
    draft: Draft,
    error: Option<&AppError>,
) -> Response {
    let mut page = Page::for_user(user, "templates.edit_title", "/admin/templates");
    let lang = page.tr.lang;
    let body_error = match error {
        Some(AppError::Invalid(fields)) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|f| match lang {
                    Lang::ZhCn => reason_zh(&f.reason).unwrap_or_else(|| f.reason.clone()),
                    Lang::En => f.reason.clone(),
                })
                .collect();
            Some(lines.join("; "))
        }
        _ => None,
    };
    if let Some(e) = error {
        page = page.with_error(e);
    }
    render(&EditTemplate {
        page,
        event_key: event_key(&t.event),
        lang_label: lang_label(&t.lang),
        body: draft.body.unwrap_or(t.body),
        version: draft.version.unwrap_or(t.version),
        default_body: t.default_body,
        is_default: t.is_default,
        event: t.event,
        lang: t.lang,
        ticket_number: draft.ticket_number,
        placeholders: Placeholder::ALL
            .iter()
            .map(|p| PlaceholderRow {
                name: p.name(),
                key: placeholder_key(*p),
            })
            .collect(),
        max_chars: MAX_BODY_CHARS,
        preview: draft.preview,
        body_error,
    })
}

/// `GET /admin/templates/{event}/{lang}`: the editor, with a preview of the text in force.
pub async fn edit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath((event, lang)): PagePath<(String, String)>,
) -> Response {
    let actor = user.actor();
    let t = match state.app.message_template(&actor, &event, &lang).await {
        Ok(t) => t,
        Err(e) => return app_error_page(&user, &e),
    };
    let req = PreviewRequest {
        event,
        lang,
        ..Default::default()
    };
    let preview = match state.app.preview_message_template(&actor, &req).await {
        Ok(p) => Some(PreviewBox {
            text: p.text,
            chars: p.chars,
        }),
        Err(e) => return app_error_page(&user, &e),
    };
    let draft = Draft {
        preview,
        ..Default::default()
    };
    edit_page(&user, t, draft, None)
}

/// The posted editor form.
#[derive(Deserialize)]
pub struct EditForm {
    body: String,
    version: i64,
    #[serde(default)]
    ticket_number: String,
    /// `preview` or `save`.
    #[serde(default)]
    op: String,
}

/// `POST /admin/templates/{event}/{lang}`: preview the draft, or save it.
pub async fn submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath((event, lang)): PagePath<(String, String)>,
    PageForm(f): PageForm<EditForm>,
) -> Response {
    let actor = user.actor();
    let current = match state.app.message_template(&actor, &event, &lang).await {
        Ok(t) => t,
        Err(e) => return app_error_page(&user, &e),
    };
    let mut draft = Draft {
        body: Some(f.body.clone()),
        version: Some(f.version),
        ticket_number: f.ticket_number.clone(),
        preview: None,
    };
    if f.op == "preview" {
        let req = PreviewRequest {
            event,
            lang,
            body: Some(f.body),
            ticket_id: None,
            ticket_number: Some(f.ticket_number),
        };
        return match state.app.preview_message_template(&actor, &req).await {
            Ok(p) => {
                draft.preview = Some(PreviewBox {
                    text: p.text,
                    chars: p.chars,
                });
                edit_page(&user, current, draft, None)
            }
            Err(e @ AppError::Invalid(_)) => with_status(
                edit_page(&user, current, draft, Some(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e @ AppError::NotFound { .. }) => with_status(
                edit_page(&user, current, draft, Some(&e)),
                StatusCode::NOT_FOUND,
            ),
            Err(e) => app_error_page(&user, &e),
        };
    }
    match state
        .app
        .update_message_template(&actor, &event, &lang, &f.body, f.version)
        .await
    {
        Ok(_) => Redirect::to("/admin/templates?ok=saved").into_response(),
        Err(e @ AppError::Invalid(_)) => with_status(
            edit_page(&user, current, draft, Some(&e)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ AppError::Conflict { .. }) => with_status(
            edit_page(&user, current, draft, Some(&e)),
            StatusCode::CONFLICT,
        ),
        Err(e) => app_error_page(&user, &e),
    }
}

/// The reset form.
#[derive(Deserialize)]
pub struct ResetForm {
    version: i64,
}

/// `POST /admin/templates/{event}/{lang}/reset`: back to the built-in text.
pub async fn reset(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    PagePath((event, lang)): PagePath<(String, String)>,
    PageForm(f): PageForm<ResetForm>,
) -> Response {
    match state
        .app
        .reset_message_template(&user.actor(), &event, &lang, Some(f.version))
        .await
    {
        Ok(_) => Redirect::to("/admin/templates?ok=reset").into_response(),
        Err(e @ AppError::Conflict { .. }) => with_status(
            list_page(&state, &user, None, Some(&e)).await,
            StatusCode::CONFLICT,
        ),
        Err(e) => app_error_page(&user, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Tr;

    #[test]
    fn every_event_and_placeholder_label_is_translated() {
        for e in MessageEvent::ALL {
            assert!(Tr::has(event_key(e.code())), "{}", e.code());
        }
        assert!(Tr::has(event_key("ticket.nope")));
        for p in Placeholder::ALL {
            assert!(Tr::has(placeholder_key(p)), "{}", p.name());
        }
    }
}
