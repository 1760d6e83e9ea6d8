//! Login, logout and the language switch.

use super::{Page, render};
use super::{PageForm, PageQuery};
use crate::i18n::resolve_lang;
use crate::middleware::{CurrentUser, LANG_COOKIE, SESSION_COOKIE};
use crate::state::AppState;
use aftercare_app::AppError;
use aftercare_domain::settings::Lang;
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    page: Page,
    next: String,
    login: String,
}

/// Query of the login page.
#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

fn request_lang(jar: &CookieJar, headers: &HeaderMap) -> Lang {
    resolve_lang(
        None,
        jar.get(LANG_COOKIE).map(|c| c.value()),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn lang_cookie(lang: Lang) -> Cookie<'static> {
    Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time_one_year())
        .build()
}

fn time_one_year() -> cookie::time::Duration {
    cookie::time::Duration::days(365)
}

/// Only same-site relative paths may be redirect targets (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// `GET /login` (`?lang=en` switches the language before logging in).
pub async fn login_page(
    jar: CookieJar,
    headers: HeaderMap,
    PageQuery(q): PageQuery<LoginQuery>,
) -> Response {
    let (jar, lang) = match q.lang.as_deref().and_then(Lang::parse) {
        Some(l) => (jar.add(lang_cookie(l)), l),
        None => {
            let l = request_lang(&jar, &headers);
            (jar, l)
        }
    };
    let page = Page::anonymous(lang, "login.title");
    let t = LoginTemplate {
        page,
        next: safe_next(q.next.as_deref()),
        login: String::new(),
    };
    (jar, render(&t)).into_response()
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let lang = request_lang(&jar, &headers);
    match state
        .app
        .login(form.login.trim(), &form.password, &addr.ip().to_string())
        .await
    {
        Ok(session) => {
            let mut cookie = Cookie::build((SESSION_COOKIE, session.token))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.config.secure_cookies)
                .build();
            cookie.set_max_age(cookie::time::Duration::milliseconds(
                session.expires_at.0 - state.app.now().0,
            ));
            let mut jar = jar.add(cookie);
            if let Some(l) = session.language {
                jar = jar.add(lang_cookie(l));
            }
            (jar, Redirect::to(&safe_next(form.next.as_deref()))).into_response()
        }
        Err(e) => {
            let key = match e {
                AppError::Throttled { .. } => "login.throttled",
                AppError::BadCredentials => "login.failed",
                other => {
                    tracing::error!(error = %other, "login failed");
                    "error.internal"
                }
            };
            let mut page = Page::anonymous(lang, "login.title");
            page.errors = vec![page.tr.t(key).to_string()];
            let t = LoginTemplate {
                page,
                next: safe_next(form.next.as_deref()),
                login: form.login,
            };
            let status = if key == "login.throttled" {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut resp = render(&t);
            *resp.status_mut() = status;
            resp
        }
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    if let Some(c) = jar.get(SESSION_COOKIE)
        && let Err(e) = state.app.logout(c.value()).await
    {
        tracing::warn!(error = %e, "logout failed");
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/").build());
    (jar, Redirect::to("/login")).into_response()
}

/// The language form.
#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// `POST /lang`: remember the choice for the user and in a cookie.
pub async fn switch_language(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    jar: CookieJar,
    PageForm(form): PageForm<LangForm>,
) -> Response {
    let Some(lang) = Lang::parse(&form.lang) else {
        return super::app_error_page(&user, &AppError::invalid("lang", "must be zh-CN or en"));
    };
    if let Err(e) = state.app.set_language(&user.principal, lang).await {
        return super::app_error_page(&user, &e);
    }
    (
        jar.add(lang_cookie(lang)),
        Redirect::to(&safe_next(form.next.as_deref())),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn redirects_only_to_local_paths() {
        assert_eq!(safe_next(Some("/stations")), "/stations");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
