//! Configuration: defaults, then an optional `aftercare.toml`, then `AFTERCARE_*`
//! environment variables, then command-line flags (each later source wins).

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The commented example printed by `aftercare config example`.
pub const EXAMPLE: &str = r#"# aftercare.toml: every setting is optional; shown here with its default.
# Precedence: this file < AFTERCARE_* environment variables < command-line flags.

# Database: sqlite://PATH (embedded, the default) or postgres://USER:PASSWORD@HOST:PORT/DB.
# Env: AFTERCARE_DATABASE_URL. Flag: --database-url.
database_url = "sqlite://data/aftercare.db"

# Address the HTTP server listens on. Env: AFTERCARE_LISTEN. Flag: --listen.
listen = "127.0.0.1:8080"

# Log filter (tracing EnvFilter syntax) and format ("text" or "json").
# Env: AFTERCARE_LOG, AFTERCARE_LOG_FORMAT.
log = "info"
log_format = "text"

# Mark cookies Secure: turn on when users reach Aftercare over HTTPS (behind TLS).
# Env: AFTERCARE_SECURE_COOKIES.
secure_cookies = false

# Hours a login session lasts without activity. Env: AFTERCARE_SESSION_TTL_HOURS.
session_ttl_hours = 12

# SQLite only: fsync on every commit (FULL). false = NORMAL: survives a crash of the
# process, may lose the last commits on power loss. Env: AFTERCARE_SQLITE_FULL_SYNC.
sqlite_full_sync = true

# Database pool size. Env: AFTERCARE_MAX_CONNECTIONS.
max_connections = 16

[webhooks]
# PEM file of extra CA certificates trusted for https:// webhook receivers (e.g. the
# company's own CA), on top of the compiled-in Mozilla roots (webpki-roots). Unset = none.
# Env: AFTERCARE_WEBHOOKS_EXTRA_CA_FILE.
# extra_ca_file = "/etc/aftercare/company-ca.pem"
"#;

/// The file's shape: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    log: Option<String>,
    log_format: Option<String>,
    secure_cookies: Option<bool>,
    session_ttl_hours: Option<u64>,
    sqlite_full_sync: Option<bool>,
    max_connections: Option<u32>,
    webhooks: Option<WebhooksFile>,
}

/// The `[webhooks]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WebhooksFile {
    extra_ca_file: Option<PathBuf>,
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    /// Database URL (may hold a password: redacted in `Debug`).
    pub database_url: String,
    /// Listen address.
    pub listen: SocketAddr,
    /// Log filter.
    pub log: String,
    /// JSON logs.
    pub log_json: bool,
    /// Secure cookies.
    pub secure_cookies: bool,
    /// Session lifetime in hours.
    pub session_ttl_hours: u64,
    /// SQLite synchronous=FULL.
    pub sqlite_full_sync: bool,
    /// Pool size.
    pub max_connections: u32,
    /// Extra CA certificates (PEM) trusted for https:// webhook receivers.
    pub webhooks_extra_ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact(&self.database_url))
            .field("listen", &self.listen)
            .field("log", &self.log)
            .field("log_json", &self.log_json)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_ttl_hours", &self.session_ttl_hours)
            .field("sqlite_full_sync", &self.sqlite_full_sync)
            .field("max_connections", &self.max_connections)
            .field("webhooks_extra_ca_file", &self.webhooks_extra_ca_file)
            .finish()
    }
}

/// Hide the password in a URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/aftercare.db".into(),
            listen: "127.0.0.1:8080".parse().expect("valid default address"),
            log: "info".into(),
            log_json: false,
            secure_cookies: false,
            session_ttl_hours: 12,
            sqlite_full_sync: true,
            max_connections: 16,
            webhooks_extra_ca_file: None,
        }
    }
}

/// Flags that override the configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
}

impl Config {
    /// Load: defaults, the file (`explicit` must exist; else `./aftercare.toml` if present),
    /// the environment, then the flags.
    pub fn load(
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Config> {
        let mut c = Config::default();
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("aftercare.toml")).filter(|p| p.exists()),
        };
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let file: FileConfig = toml::from_str(&text)
                .with_context(|| format!("invalid config file {}", path.display()))?;
            c.apply_file(file)?;
        }
        c.apply_env(env)?;
        if let Some(url) = &flags.database_url {
            c.database_url = url.clone();
        }
        if let Some(listen) = flags.listen {
            c.listen = listen;
        }
        Ok(c)
    }

    fn apply_file(&mut self, f: FileConfig) -> Result<()> {
        if let Some(v) = f.database_url {
            self.database_url = v;
        }
        if let Some(v) = f.listen {
            self.listen = v.parse().with_context(|| {
                format!("config: listen = '{v}' is not an address like 127.0.0.1:8080")
            })?;
        }
        if let Some(v) = f.log {
            self.log = v;
        }
        if let Some(v) = f.log_format {
            self.log_json = parse_log_format(&v)?;
        }
        if let Some(v) = f.secure_cookies {
            self.secure_cookies = v;
        }
        if let Some(v) = f.session_ttl_hours {
            self.session_ttl_hours = v;
        }
        if let Some(v) = f.sqlite_full_sync {
            self.sqlite_full_sync = v;
        }
        if let Some(v) = f.max_connections {
            self.max_connections = v;
        }
        if let Some(v) = f.webhooks.and_then(|w| w.extra_ca_file) {
            self.webhooks_extra_ca_file = Some(v);
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = env("AFTERCARE_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = env("AFTERCARE_LISTEN") {
            self.listen = v.parse().with_context(|| {
                format!("AFTERCARE_LISTEN='{v}' is not an address like 127.0.0.1:8080")
            })?;
        }
        if let Some(v) = env("AFTERCARE_LOG") {
            self.log = v;
        }
        if let Some(v) = env("AFTERCARE_LOG_FORMAT") {
            self.log_json = parse_log_format(&v)?;
        }
        if let Some(v) = env("AFTERCARE_SECURE_COOKIES") {
            self.secure_cookies = parse_bool("AFTERCARE_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = env("AFTERCARE_SESSION_TTL_HOURS") {
            self.session_ttl_hours = v
                .parse()
                .with_context(|| format!("AFTERCARE_SESSION_TTL_HOURS='{v}' is not a number"))?;
        }
        if let Some(v) = env("AFTERCARE_SQLITE_FULL_SYNC") {
            self.sqlite_full_sync = parse_bool("AFTERCARE_SQLITE_FULL_SYNC", &v)?;
        }
        if let Some(v) = env("AFTERCARE_WEBHOOKS_EXTRA_CA_FILE") {
            self.webhooks_extra_ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = env("AFTERCARE_MAX_CONNECTIONS") {
            self.max_connections = v
                .parse()
                .with_context(|| format!("AFTERCARE_MAX_CONNECTIONS='{v}' is not a number"))?;
        }
        Ok(())
    }

    /// Store connection options from this configuration.
    pub fn connect_options(&self) -> aftercare_store::ConnectOptions {
        aftercare_store::ConnectOptions {
            max_connections: self.max_connections,
            sqlite_full_sync: self.sqlite_full_sync,
            ..Default::default()
        }
    }

    /// App configuration.
    pub fn app_config(&self) -> aftercare_app::AppConfig {
        aftercare_app::AppConfig {
            session_ttl: std::time::Duration::from_secs(self.session_ttl_hours * 3600),
            ..Default::default()
        }
    }
}

fn parse_log_format(v: &str) -> Result<bool> {
    match v {
        "json" => Ok(true),
        "text" => Ok(false),
        other => bail!("log_format '{other}' must be 'text' or 'json'"),
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{name}='{v}' must be true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_and_equals_the_defaults() {
        let f: FileConfig = toml::from_str(EXAMPLE).unwrap();
        let mut c = Config::default();
        c.apply_file(f).unwrap();
        assert_eq!(format!("{c:?}"), format!("{:?}", Config::default()));
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://file.db\"\nlisten = \"127.0.0.1:1\"\nlog = \"debug\"\n",
        )
        .unwrap();
        let env = |k: &str| (k == "AFTERCARE_LISTEN").then(|| "127.0.0.1:2".to_string());
        let flags = Overrides {
            database_url: Some("sqlite://flag.db".into()),
            listen: None,
        };
        let c = Config::load(Some(&path), &env, &flags).unwrap();
        assert_eq!(c.database_url, "sqlite://flag.db");
        assert_eq!(c.listen.port(), 2);
        assert_eq!(c.log, "debug");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "databse_url = \"x\"\n").unwrap();
        assert!(Config::load(Some(&path), &|_| None, &Overrides::default()).is_err());
        let env = |k: &str| (k == "AFTERCARE_SECURE_COOKIES").then(|| "maybe".to_string());
        assert!(Config::load(None, &env, &Overrides::default()).is_err());
    }

    #[test]
    fn the_webhook_extra_ca_file_comes_from_the_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "[webhooks]\nextra_ca_file = \"/etc/ca.pem\"\n").unwrap();
        let c = Config::load(Some(&path), &|_| None, &Overrides::default()).unwrap();
        assert_eq!(c.webhooks_extra_ca_file, Some(PathBuf::from("/etc/ca.pem")));
        let env =
            |k: &str| (k == "AFTERCARE_WEBHOOKS_EXTRA_CA_FILE").then(|| "/env/ca.pem".to_string());
        let c = Config::load(Some(&path), &env, &Overrides::default()).unwrap();
        assert_eq!(c.webhooks_extra_ca_file, Some(PathBuf::from("/env/ca.pem")));
        std::fs::write(&path, "[webhooks]\nextra_ca = \"x\"\n").unwrap();
        assert!(Config::load(Some(&path), &|_| None, &Overrides::default()).is_err());
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let c = Config {
            database_url: "postgres://app:s3cret@db:5432/aftercare".into(),
            ..Default::default()
        };
        let s = format!("{c:?}");
        assert!(!s.contains("s3cret"), "{s}");
        assert!(s.contains("app:***@db"));
    }
}
