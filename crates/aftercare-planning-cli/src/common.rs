//! Arguments and helpers shared by the `plan` subcommands: method choice, classification
//! windows, worker threads, progress and atomic output files.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use aftercare_planning::auto::{self, AutoConfig, ErrorMeasure, RollBuffers, Workspace};
use aftercare_planning::classify::ClassifyConfig;
use aftercare_planning::estimate::{EstimateBuffers, estimate_from_fit};
use aftercare_planning::forecast::{Method, MethodParams, Scratch};
use aftercare_planning::policy::DemandEstimate;
use aftercare_planning::simulate::{ErrorWindow, VarianceModel};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Method flags: `--method` and the parameters of the fixed methods and of `auto`.
#[derive(Debug, Clone, clap::Args)]
pub struct MethodArgs {
    /// Forecasting method: auto, naive, historic_average, ma, ses, ses_opt, croston, sba,
    /// croston_opt, tsb, adida or imapa.
    #[arg(long, default_value = "auto")]
    pub method: String,
    /// SES smoothing parameter (method `ses`).
    #[arg(long, default_value_t = 0.1)]
    pub alpha: f64,
    /// TSB demand-size smoothing (method `tsb`).
    #[arg(long = "alpha-d", default_value_t = 0.1)]
    pub alpha_d: f64,
    /// TSB demand-probability smoothing (method `tsb`).
    #[arg(long = "alpha-p", default_value_t = 0.1)]
    pub alpha_p: f64,
    /// Moving-average window in periods (method `ma`).
    #[arg(long, default_value_t = 3)]
    pub window: usize,
    /// Backtest error measure of `auto`: rmsse, smae or inventory.
    #[arg(long = "auto-measure", default_value = "rmsse")]
    pub auto_measure: String,
    /// Number of rolling forecast origins of `auto` (latest periods of the history).
    #[arg(long = "auto-origins", default_value_t = AutoConfig::default().origins)]
    pub auto_origins: usize,
    /// Largest number of best methods `auto` may average (1 = single methods only).
    #[arg(long = "auto-combine", default_value_t = AutoConfig::default().max_combination)]
    pub auto_combine: usize,
    /// Relative margin within which `auto` prefers a wider combination to the best one.
    #[arg(
        long = "auto-tolerance",
        default_value_t = AutoConfig::default().tolerance,
        allow_negative_numbers = true
    )]
    pub auto_tolerance: f64,
    /// Candidate methods of `auto`, comma separated (default: historic_average,ses,sba,tsb).
    #[arg(long = "auto-candidates", value_delimiter = ',')]
    pub auto_candidates: Option<Vec<String>>,
}

impl MethodArgs {
    /// Parameters of the fixed methods.
    pub fn params(&self) -> anyhow::Result<MethodParams> {
        for (flag, a) in [
            ("--alpha", self.alpha),
            ("--alpha-d", self.alpha_d),
            ("--alpha-p", self.alpha_p),
        ] {
            anyhow::ensure!(
                (0.0..=1.0).contains(&a),
                "{flag} must be between 0 and 1, got {a}"
            );
        }
        anyhow::ensure!(self.window >= 1, "--window must be at least 1");
        Ok(MethodParams {
            alpha: self.alpha,
            alpha_d: self.alpha_d,
            alpha_p: self.alpha_p,
            window: self.window,
        })
    }

    /// The forecaster these flags describe.
    pub fn forecaster(&self) -> anyhow::Result<Forecaster> {
        let params = self.params()?;
        let measure = ErrorMeasure::from_code(&self.auto_measure).with_context(|| {
            format!(
                "--auto-measure must be rmsse, smae or inventory, got {:?}",
                self.auto_measure
            )
        })?;
        let candidates = match &self.auto_candidates {
            None => AutoConfig::default_candidates(&params),
            Some(codes) => codes
                .iter()
                .map(|c| Method::from_code(c.trim(), &params))
                .collect::<Result<Vec<_>, _>>()
                .context("--auto-candidates")?,
        };
        anyhow::ensure!(
            !candidates.is_empty() && candidates.len() <= 32,
            "--auto-candidates needs 1 to 32 methods"
        );
        anyhow::ensure!(self.auto_combine >= 1, "--auto-combine must be at least 1");
        anyhow::ensure!(
            self.auto_origins >= 1,
            "--auto-origins must be at least 1 (the latest periods `auto` backtests on, and \
             over which a fixed method's one-step error is measured)"
        );
        // NaN fails the comparison; an infinite margin would make every error "within" it.
        anyhow::ensure!(
            self.auto_tolerance >= 0.0 && self.auto_tolerance.is_finite(),
            "--auto-tolerance must be a finite number ≥ 0 (a relative margin such as 0.05), got {}",
            self.auto_tolerance
        );
        let auto = AutoConfig {
            measure,
            origins: self.auto_origins,
            candidates,
            max_combination: self.auto_combine,
            tolerance: self.auto_tolerance,
            ..AutoConfig::default()
        };
        if self.method == "auto" {
            return Ok(Forecaster::Auto(auto));
        }
        let method = Method::from_code(&self.method, &params).map_err(|_| {
            anyhow::anyhow!(
                "--method must be auto or one of {}, got {:?}",
                Method::CODES.join(", "),
                self.method
            )
        })?;
        Ok(Forecaster::Fixed {
            method,
            origins: auto.origins,
        })
    }
}

/// Classification flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ClassArgs {
    /// A series whose first demand is fewer than this many periods before its end is `new`.
    #[arg(long = "new-periods", default_value_t = ClassifyConfig::default().new_periods)]
    pub new_periods: usize,
    /// A series without demand in this many trailing periods is `inactive`.
    #[arg(long = "inactive-periods", default_value_t = ClassifyConfig::default().inactive_periods)]
    pub inactive_periods: usize,
}

impl ClassArgs {
    /// Classification settings.
    pub fn config(&self) -> ClassifyConfig {
        ClassifyConfig {
            new_periods: self.new_periods,
            inactive_periods: self.inactive_periods,
            ..ClassifyConfig::default()
        }
    }
}

/// `--threads`.
#[derive(Debug, Clone, clap::Args)]
pub struct ThreadArgs {
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

impl ThreadArgs {
    /// A rayon pool with the requested number of threads.
    pub fn pool(&self) -> anyhow::Result<rayon::ThreadPool> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            anyhow::ensure!(n >= 1, "--threads must be at least 1");
            b = b.num_threads(n);
        }
        Ok(b.build()?)
    }
}

/// A fixed method or the automatic choice, applied series by series.
#[derive(Debug, Clone)]
pub enum Forecaster {
    /// One method for every series.
    Fixed {
        /// The method.
        method: Method,
        /// Origins over which its one-step error is measured.
        origins: usize,
    },
    /// Per-series choice by backtest.
    Auto(AutoConfig),
}

/// Reusable per-thread buffers of a [`Forecaster`].
#[derive(Debug, Default, Clone)]
pub struct ForecasterBuffers {
    auto: Workspace,
    scratch: Scratch,
    roll: RollBuffers,
    levels: Vec<f64>,
    estimate: EstimateBuffers,
}

/// One series' forecast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesForecast {
    /// Flat forecast level per period.
    pub level: f64,
    /// Chosen members as a bit set over [`Forecaster::candidates`] (`auto` only; 0 for fixed).
    pub members: u32,
    /// Mean squared one-step-ahead error over the backtest origins (NaN when unknown).
    pub one_step_mse: f64,
}

impl Forecaster {
    /// The methods `auto` chooses from (the one method when fixed).
    pub fn candidates(&self) -> &[Method] {
        match self {
            Self::Fixed { method, .. } => std::slice::from_ref(method),
            Self::Auto(cfg) => &cfg.candidates,
        }
    }

    /// Forecast history `y`; `horizon` is the horizon the backtest scores.
    pub fn forecast(
        &self,
        y: &[f64],
        horizon: usize,
        buf: &mut ForecasterBuffers,
    ) -> SeriesForecast {
        match self {
            Self::Auto(cfg) => {
                let c = auto::select_into(y, horizon, cfg, &mut buf.auto);
                SeriesForecast {
                    level: c.level,
                    members: c.members,
                    one_step_mse: c.one_step_mse,
                }
            }
            Self::Fixed { method, origins } => SeriesForecast {
                level: method.level(y, &mut buf.scratch),
                members: 1,
                one_step_mse: fixed_one_step_mse(method, y, *origins, buf),
            },
        }
    }

    /// Like [`Forecaster::forecast`] but without the one-step error of a fixed method
    /// (NaN), which `plan forecast` does not need.
    pub fn forecast_level(
        &self,
        y: &[f64],
        horizon: usize,
        buf: &mut ForecasterBuffers,
    ) -> SeriesForecast {
        match self {
            Self::Auto(_) => self.forecast(y, horizon, buf),
            Self::Fixed { method, .. } => SeriesForecast {
                level: method.level(y, &mut buf.scratch),
                members: 1,
                one_step_mse: f64::NAN,
            },
        }
    }

    /// [`Forecaster::forecast_level`] of many histories, batched for speed.
    pub fn forecast_levels(
        &self,
        ys: &[&[f64]],
        horizon: usize,
        out: &mut Vec<SeriesForecast>,
        buf: &mut ForecasterBuffers,
    ) {
        out.clear();
        match self {
            Self::Auto(_) => out.extend(ys.iter().map(|y| self.forecast(y, horizon, buf))),
            Self::Fixed { method, .. } => {
                buf.levels.clear();
                buf.levels.resize(ys.len(), f64::NAN);
                method.levels(ys, &mut buf.levels, &mut buf.scratch);
                out.extend(buf.levels.iter().map(|&level| SeriesForecast {
                    level,
                    members: 1,
                    one_step_mse: f64::NAN,
                }));
            }
        }
    }

    /// Forecast `y` once, scoring `auto`'s backtest over `horizon`, and estimate its
    /// demand per period from that one fit: the level, and the variance of the chosen
    /// members' one-step errors by `variance` and `errors` over a protection interval of
    /// `horizon` periods (see `aftercare_planning::estimate`).
    pub fn estimate(
        &self,
        y: &[f64],
        horizon: usize,
        variance: VarianceModel,
        errors: ErrorWindow,
        buf: &mut ForecasterBuffers,
    ) -> (SeriesForecast, DemandEstimate) {
        let f = self.forecast_level(y, horizon.max(1), buf);
        let members = self
            .candidates()
            .iter()
            .enumerate()
            .filter(|(i, _)| f.members & (1 << i) != 0)
            .map(|(_, m)| m);
        let est = estimate_from_fit(
            y,
            members,
            f.level,
            horizon,
            variance,
            errors,
            &mut buf.estimate,
        );
        (f, est)
    }

    /// Name of the method that produced `f`: the fixed method's code, or auto's choice.
    pub fn name(&self, f: &SeriesForecast) -> String {
        self.name_of(f.members)
    }

    /// Name of a forecast from its members: the fixed method's code, or auto's choice.
    pub fn name_of(&self, members: u32) -> String {
        match self {
            Self::Fixed { method, .. } => method.code().to_string(),
            Self::Auto(cfg) => auto::Choice {
                members,
                level: f64::NAN,
                error: f64::NAN,
                one_step_mse: f64::NAN,
            }
            .name(&cfg.candidates),
        }
    }
}

fn fixed_one_step_mse(
    method: &Method,
    y: &[f64],
    origins: usize,
    buf: &mut ForecasterBuffers,
) -> f64 {
    let origins = origins.min(y.len().saturating_sub(1));
    if origins == 0 {
        return f64::NAN;
    }
    let start = y.len() - origins;
    buf.levels.clear();
    buf.levels.resize(origins, f64::NAN);
    auto::rolling_levels(method, y, start, &mut buf.levels, &mut buf.roll);
    let sum: f64 = buf
        .levels
        .iter()
        .zip(&y[start..])
        .map(|(f, a)| (a - f) * (a - f))
        .sum();
    sum / origins as f64
}

/// The warning when `count` of `total` series have no forecast from `method` (e.g. `ma`
/// with a window longer than the history), if any.
pub fn no_forecast_warning(count: usize, total: usize, method: &str) -> Option<String> {
    (count > 0).then(|| {
        format!(
            "warning: {count} of {total} series have no forecast from --method {method} (too short a history for it)"
        )
    })
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
pub fn progress(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} [{elapsed_precise}, eta {eta}]")
            .expect("valid template"),
    );
    bar.set_message(what.to_string());
    bar
}

/// Check before anything is computed or written that every output path can be written as
/// a file: not a directory, not given twice, and in a directory that exists. A command
/// with two outputs replaces the first before the second; this keeps the foreseeable
/// failures of the second from leaving the first replaced.
pub fn check_outputs(outputs: &[(&str, &Path)]) -> anyhow::Result<()> {
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for (flag, path) in outputs {
        check_output(flag, path)?;
        let key = resolved(path);
        if let Some((other, _)) = seen.iter().find(|(_, p)| *p == key) {
            anyhow::bail!("{other} and {flag} name the same file {}", path.display());
        }
        seen.push((flag, key));
    }
    Ok(())
}

/// The file `path` names, resolved: its directory canonical (`./a.csv`, `d/../a.csv` and a
/// symlinked directory all name one file), the file itself followed when it is a symlink.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let dir = dir_of(path);
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    match path.file_name() {
        Some(name) => dir.join(name),
        None => dir,
    }
}

/// The directory a file path is in (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn check_output(flag: &str, path: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        path.file_name().is_some(),
        "{flag} {} is not a file path",
        path.display()
    );
    anyhow::ensure!(
        !path.is_dir(),
        "{flag} {} is a directory; give a file path",
        path.display()
    );
    let dir = dir_of(path);
    anyhow::ensure!(
        dir.is_dir(),
        "{flag} {}: the directory {} does not exist",
        path.display(),
        dir.display()
    );
    Ok(())
}

/// A file written under a temporary name and renamed into place by [`AtomicFile::commit`],
/// so that an error never leaves a partial file under the final name, nor the temporary
/// file (it is removed when the writing or the rename fails, or the file is dropped).
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
    committed: bool,
}

impl AtomicFile {
    /// Start writing `target` (through a temporary file in the same directory).
    pub fn create(target: &Path) -> anyhow::Result<Self> {
        let name = target
            .file_name()
            .with_context(|| format!("{} is not a file path", target.display()))?;
        anyhow::ensure!(
            !target.is_dir(),
            "{} is a directory; give a file path",
            target.display()
        );
        // Unique per file of the process too: two outputs that name one file by different
        // paths must not share (and then rename away) each other's temporary file.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".tmp{}-{n}", std::process::id()));
        let temp = target.with_file_name(temp_name);
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        Ok(Self {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            committed: false,
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("present until commit")
    }

    /// Flush and rename into place; on failure the temporary file is removed (by `Drop`).
    pub fn commit(mut self) -> anyhow::Result<()> {
        let writer = self.writer.take().expect("present until commit");
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", self.temp.display()))?;
        std::fs::rename(&self.temp, &self.target)
            .with_context(|| format!("cannot move {} into place", self.target.display()))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Append `s` as one CSV field, quoted when it contains a comma, quote or line break.
pub fn push_csv_field(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// Write `doc` as pretty JSON to `path` atomically.
pub fn write_json(path: &Path, doc: &serde_json::Value) -> anyhow::Result<AtomicFile> {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(f.writer(), doc)?;
    writeln!(f.writer())?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        push_csv_field(&mut out, "a1");
        out.push(b',');
        push_csv_field(&mut out, "x,\"y\"");
        assert_eq!(out, b"a1,\"x,\"\"y\"\"\"");
    }

    #[test]
    fn an_abandoned_atomic_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.writer().write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut f = AtomicFile::create(&target).unwrap();
        f.writer().write_all(b"done").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "done");
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let mut f = AtomicFile::create(&target).unwrap();
        f.writer().write_all(b"{}").unwrap();
        // The destination turns into a non-empty directory after the check: the rename
        // fails and the temporary file must go.
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), "x").unwrap();
        let e = f.commit().unwrap_err();
        assert!(format!("{e:#}").contains("cannot move"), "{e:#}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
    }

    #[test]
    fn outputs_are_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.csv");
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(check_outputs(&[("--out", &file)]).is_ok());
        let e = check_outputs(&[("--out", &file), ("--summary-out", &sub)]).unwrap_err();
        assert!(e.to_string().contains("--summary-out"), "{e}");
        assert!(e.to_string().contains("is a directory"), "{e}");
        let e = check_outputs(&[("--out", &file), ("--metrics-out", &file)]).unwrap_err();
        assert!(e.to_string().contains("name the same file"), "{e}");
        // The same file by another path, existing or not yet.
        for other in [sub.join("../a.csv"), dir.path().join("./a.csv")] {
            let e = check_outputs(&[("--out", &file), ("--metrics-out", &other)]).unwrap_err();
            assert!(e.to_string().contains("name the same file"), "{e}");
        }
        std::fs::write(&file, "x").unwrap();
        let e = check_outputs(&[("--out", &file), ("--metrics-out", &sub.join("../a.csv"))])
            .unwrap_err();
        assert!(e.to_string().contains("name the same file"), "{e}");
        std::fs::remove_file(&file).unwrap();
        // Two temporary files for one target never collide.
        let (a, b) = (
            AtomicFile::create(&file).unwrap(),
            AtomicFile::create(&file).unwrap(),
        );
        assert_ne!(a.temp, b.temp);
        drop((a, b));
        let e = check_outputs(&[("--out", &dir.path().join("no/such.csv"))]).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        assert!(AtomicFile::create(&sub).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn method_args(args: &[&str]) -> anyhow::Result<Forecaster> {
        use clap::Parser;
        #[derive(Parser)]
        struct Args {
            #[command(flatten)]
            method: MethodArgs,
        }
        let mut argv = vec!["x"];
        argv.extend_from_slice(args);
        Args::try_parse_from(argv)?.method.forecaster()
    }

    #[test]
    fn auto_flags_out_of_range_are_refused_with_their_name() {
        for (args, want) in [
            (
                &["--auto-tolerance", "-1"][..],
                "--auto-tolerance must be a finite number ≥ 0",
            ),
            (
                &["--auto-tolerance", "NaN"][..],
                "--auto-tolerance must be a finite number ≥ 0",
            ),
            (
                &["--auto-tolerance", "inf"][..],
                "--auto-tolerance must be a finite number ≥ 0",
            ),
            (
                &["--auto-origins", "0"][..],
                "--auto-origins must be at least 1",
            ),
            (
                &["--auto-combine", "0"][..],
                "--auto-combine must be at least 1",
            ),
            (&["--auto-candidates", "ses,foo"][..], "--auto-candidates"),
        ] {
            let e = method_args(args).unwrap_err();
            assert!(format!("{e:#}").contains(want), "{args:?}: {e:#}");
        }
        assert!(method_args(&["--auto-tolerance", "0.05"]).is_ok());
    }

    #[test]
    fn an_unknown_method_lists_auto_among_the_choices() {
        let e = method_args(&["--method", "foo"]).unwrap_err().to_string();
        assert!(
            e.starts_with("--method must be auto or one of naive, "),
            "{e}"
        );
        assert!(e.ends_with("got \"foo\""), "{e}");
    }
}
