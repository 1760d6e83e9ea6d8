//! Translations: every visible string of the UI, in 简体中文 and English.
//!
//! Templates call `tr.t("key")`; a test checks that every key used in a template or in the
//! UI code exists in both languages, so nothing shows untranslated.

use aftercare_domain::settings::Lang;

mod audit;
pub mod conflicts;
mod core;
mod hooks;
mod parts;
pub mod plan_reasons;
mod planning;
pub mod reasons;
mod stock;
mod templates;
mod ticket_parts;
mod tickets;
pub mod warranty;

/// Every translation table: one per context, so each context keeps its strings beside its
/// pages. A new context adds its file here.
const TABLES: &[&[(&str, &str, &str)]] = &[
    core::MESSAGES,
    audit::MESSAGES,
    parts::MESSAGES,
    planning::MESSAGES,
    tickets::MESSAGES,
    ticket_parts::MESSAGES,
    hooks::MESSAGES,
    stock::MESSAGES,
    templates::MESSAGES,
];

fn lookup(key: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|(k, _, _)| *k == key)
}

/// A translator for one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    /// A translator for `lang`.
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The text for `key`; an unknown key shows itself (and a test keeps that from shipping).
    pub fn t(&self, key: &str) -> &'static str {
        match lookup(key) {
            Some((_, zh, en)) => match self.lang {
                Lang::ZhCn => zh,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing translation");
                "??"
            }
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// Whether `key` exists.
    pub fn has(key: &str) -> bool {
        lookup(key).is_some()
    }
}

/// The language for a request: the user's saved choice, else the language cookie, else
/// the browser's `Accept-Language`, else Chinese.
pub fn resolve_lang(
    saved: Option<Lang>,
    cookie: Option<&str>,
    accept_language: Option<&str>,
) -> Lang {
    saved
        .or_else(|| cookie.and_then(Lang::parse))
        .or_else(|| accept_language.and_then(Lang::from_accept_language))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = HashSet::new();
        for (k, zh, en) in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "empty text for {k}");
        }
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui"),
        ];
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut all = Vec::new();
        for dir in dirs {
            files(std::path::Path::new(dir), &mut all);
        }
        let mut missing = Vec::new();
        for path in all {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("t(\"") {
                let rest = &text[i + 3..];
                let key = &rest[..rest.find('"').unwrap()];
                if key.contains('.') && !key.contains(' ') && !Tr::has(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    #[test]
    fn language_resolution_prefers_saved_then_cookie_then_browser() {
        assert_eq!(resolve_lang(Some(Lang::En), Some("zh-CN"), None), Lang::En);
        assert_eq!(resolve_lang(None, Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(resolve_lang(None, None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(resolve_lang(None, None, None), Lang::ZhCn);
    }
}
