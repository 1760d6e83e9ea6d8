//! Company-wide settings with sensible defaults for a Chinese manufacturer.

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    /// 简体中文.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parse a tag loosely ("zh", "zh-CN", "zh_cn", "en-US" ...).
    pub fn parse(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if t.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Pick the first supported language from an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// Settings of the company running this Aftercare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySettings {
    /// Company name shown in the header.
    pub company_name: String,
    /// IANA time zone instants are shown in (stored in UTC).
    pub time_zone: String,
    /// ISO 4217 currency; amounts are in its minor units.
    pub currency: String,
    /// Language for users whose browser asks for neither supported language.
    pub default_language: Lang,
}

impl Default for CompanySettings {
    fn default() -> Self {
        CompanySettings {
            company_name: "Aftercare".to_string(),
            time_zone: "Asia/Shanghai".to_string(),
            currency: "CNY".to_string(),
            default_language: Lang::ZhCn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_quality_supported_language() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,en;q=0.8,zh-CN;q=0.9"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr,de"), None);
    }

    #[test]
    fn defaults_are_shanghai_and_cny() {
        let s = CompanySettings::default();
        assert_eq!(s.time_zone, "Asia/Shanghai");
        assert_eq!(s.currency, "CNY");
    }
}
