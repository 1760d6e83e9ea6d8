//! Demand CSV input (long `sku,period,qty` or wide `sku,p0,p1,...`).
//!
//! The form is detected from the header: a header with the columns `sku`, `period` and
//! `qty` (any order, any case; other columns are ignored, as in the items file) is long
//! form; otherwise the first column must be `sku` and every further column is one
//! period, oldest first (wide form). In long form `period` is an integer index 0..T−1
//! and every sku must have every period exactly once; rows may come in any order, but
//! sorted input (by sku, then period) is read fastest. Since every sku has every period,
//! a file of N data rows has no period index N or above: such an index (and, generally,
//! skus × periods more than the file's size can hold) is refused on its line before
//! anything is sized by it. In wide form the period labels are the header's: when every
//! label is an integer they must be `0, 1, 2, …` in order; otherwise (e.g. dates) they
//! are taken in file order as they are. A label may not be empty or repeated.
//! Quantities are decimal numbers, fractions allowed, never negative (`-0` is 0).
//! Skus are trimmed of surrounding white space, as in the items file.
//!
//! The reader is hand-written rather than built on `csv` + serde because a
//! million-series panel has sixty million rows; it still follows RFC 4180 quoting.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use aftercare_planning::series::Panel;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;
use thiserror::Error;

/// Why a demand file could not be read.
#[derive(Debug, Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A cell or row is malformed.
    #[error("{file}: line {line}, column {column} ({name}): {reason}")]
    Malformed {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// Column name from the header.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The file as a whole is inconsistent (e.g. a sku misses a period).
    #[error("{file}: {reason}")]
    Inconsistent {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Read a demand file into a panel (series in order of first appearance).
pub fn read_demand(path: &Path) -> Result<Panel, InputError> {
    let file = File::open(path).map_err(|source| InputError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let size = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    match size {
        Some(size) => read_in_blocks(
            BufReader::with_capacity(1 << 20, file),
            path,
            BLOCK_BYTES,
            size,
        ),
        // A pipe has no size to bound the rows by: read it whole first.
        None => read_demand_from(BufReader::with_capacity(1 << 20, file), path),
    }
}

/// Read demand CSV from `reader`; `path` names the source in errors.
///
/// The body is cut into blocks of whole lines that are parsed in parallel (on the
/// current rayon pool) and merged in file order, so the first error in the file is
/// the one reported. The input is read whole first: its size bounds the rows it can
/// hold ([`read_demand`] takes a regular file's size from the file system instead).
pub fn read_demand_from(mut reader: impl BufRead, path: &Path) -> Result<Panel, InputError> {
    let mut text = Vec::new();
    reader
        .read_to_end(&mut text)
        .map_err(|source| InputError::Io {
            file: path.to_path_buf(),
            source,
        })?;
    let size = text.len() as u64;
    read_in_blocks(&text[..], path, BLOCK_BYTES, size)
}

/// `size`, the total input size, lets the value buffer be sized once instead of doubling
/// (which would briefly hold 1.5 times the panel), and bounds the number of rows (a long
/// form row takes at least 6 bytes, `a,0,1` and its line end), hence the periods a long
/// form file can have.
fn read_in_blocks(
    mut reader: impl BufRead,
    path: &Path,
    block_bytes: usize,
    size: u64,
) -> Result<Panel, InputError> {
    let ctx = Ctx { path };
    let mut header = Vec::new();
    let n = reader
        .read_until(b'\n', &mut header)
        .map_err(|source| ctx.io(source))?;
    if n == 0 {
        return Err(ctx.inconsistent("the file is empty; expected a header".into()));
    }
    strip_line_end(&mut header);
    let header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&header);
    let names: Vec<String> = split_fields(header)
        .map(|f| f.map(|s| String::from_utf8_lossy(&s).trim().to_string()))
        .collect::<Result<_, _>>()
        .map_err(|(col, reason)| ctx.malformed(1, col, "header", reason))?;
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let long = ["sku", "period", "qty"]
        .iter()
        .all(|c| lower.iter().any(|n| n == c));
    let blocks = BlockReader {
        reader: &mut reader,
        next_line: 2,
        carry: Vec::new(),
        eof: false,
        block_bytes,
        size: Some(size),
    };
    if long {
        let pos = |c: &str| -> Result<usize, InputError> {
            let mut found = lower.iter().enumerate().filter(|(_, n)| *n == c);
            let (first, _) = found.next().expect("checked above");
            match found.next() {
                Some((again, _)) => Err(ctx.malformed(
                    1,
                    again + 1,
                    &names[again],
                    format!("column `{c}` appears twice (also column {})", first + 1),
                )),
                None => Ok(first),
            }
        };
        let cols = LongColumns {
            sku: pos("sku")?,
            period: pos("period")?,
            qty: pos("qty")?,
        };
        return read_long(blocks, &ctx, &names, cols, max_rows(size));
    }
    if lower.first().map(String::as_str) != Some("sku") {
        return Err(ctx.malformed(
            1,
            1,
            names.first().map_or("", String::as_str),
            "the header must be `sku,period,qty` (long form) or start with `sku` (wide form)"
                .into(),
        ));
    }
    if names.len() < 2 {
        return Err(ctx.malformed(
            1,
            1,
            "sku",
            "wide form needs at least one period column".into(),
        ));
    }
    check_period_labels(&names[1..]).map_err(|(i, reason)| {
        let column = i + 2;
        ctx.malformed(1, column, name_of(&names, column), reason)
    })?;
    read_wide(blocks, &ctx, &names)
}

/// Most data rows a file of `size` bytes can hold: a long form row takes at least 6
/// bytes (`a,0,1` and its line end; the last may lack the line end).
fn max_rows(size: u64) -> RowBound {
    RowBound {
        size,
        rows: usize::try_from(size / 6 + 1).unwrap_or(usize::MAX),
    }
}

/// The wide form's period labels (the header after `sku`): none empty, none repeated,
/// and, when all are integers, `0, 1, 2, …` in order. An error carries the label's
/// index.
fn check_period_labels(labels: &[String]) -> Result<(), (usize, String)> {
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err((i, "empty period label".into()));
        }
        if let Some(first) = seen.insert(label.as_str(), i) {
            return Err((
                i,
                format!(
                    "period label {label:?} repeats column {} (every period once)",
                    first + 2
                ),
            ));
        }
    }
    let integers: Option<Vec<i64>> = labels.iter().map(|l| l.parse().ok()).collect();
    if let Some(integers) = integers
        && let Some(i) = integers.iter().zip(0..).position(|(&v, want)| v != want)
    {
        return Err((
            i,
            format!(
                "the period labels are integers, so they must be 0, 1, 2, … in order: this one is {}, expected {i}",
                labels[i]
            ),
        ));
    }
    Ok(())
}

/// Bytes per block of lines.
const BLOCK_BYTES: usize = 4 << 20;
/// Blocks parsed in parallel before they are merged (bounds the memory in flight).
const BLOCKS_PER_BATCH: usize = 8;

/// The file being read, for error messages.
struct Ctx<'a> {
    path: &'a Path,
}

impl Ctx<'_> {
    fn io(&self, source: std::io::Error) -> InputError {
        InputError::Io {
            file: self.path.to_path_buf(),
            source,
        }
    }

    fn malformed(&self, line: usize, column: usize, name: &str, reason: String) -> InputError {
        InputError::Malformed {
            file: self.path.to_path_buf(),
            line,
            column,
            name: name.to_string(),
            reason,
        }
    }

    fn inconsistent(&self, reason: String) -> InputError {
        InputError::Inconsistent {
            file: self.path.to_path_buf(),
            reason,
        }
    }
}

/// Whole lines and the number of the first one.
struct Block {
    bytes: Vec<u8>,
    first_line: usize,
}

impl Block {
    /// `(line number, line without its ending)` for every line.
    fn lines(&self) -> impl Iterator<Item = (usize, &[u8])> + '_ {
        let body = self.bytes.strip_suffix(b"\n").unwrap_or(&self.bytes);
        body.split(|&b| b == b'\n')
            .enumerate()
            .map(move |(i, l)| (self.first_line + i, l.strip_suffix(b"\r").unwrap_or(l)))
    }
}

/// Cuts the rest of the input into [`Block`]s that end at line ends.
struct BlockReader<'a> {
    reader: &'a mut dyn BufRead,
    next_line: usize,
    carry: Vec<u8>,
    eof: bool,
    block_bytes: usize,
    size: Option<u64>,
}

impl BlockReader<'_> {
    /// Expected total of something that reached `so_far` in the first `bytes` of the body.
    fn extrapolate(&self, so_far: usize, bytes: usize) -> Option<usize> {
        let size = self.size? as f64;
        (bytes > 0).then(|| (so_far as f64 * size / bytes as f64 * 1.01) as usize)
    }

    fn next_batch(&mut self, ctx: &Ctx<'_>) -> Result<Vec<Block>, InputError> {
        let mut batch = Vec::new();
        while batch.len() < BLOCKS_PER_BATCH {
            match self.next_block(ctx)? {
                Some(b) => batch.push(b),
                None => break,
            }
        }
        Ok(batch)
    }

    fn next_block(&mut self, ctx: &Ctx<'_>) -> Result<Option<Block>, InputError> {
        let mut bytes = std::mem::take(&mut self.carry);
        if !self.eof {
            let want = self.block_bytes.max(bytes.len() + 1);
            let mut limited = (&mut self.reader).take((want - bytes.len()) as u64);
            limited.read_to_end(&mut bytes).map_err(|e| ctx.io(e))?;
            if bytes.len() < want {
                self.eof = true;
            } else {
                // Finish the current line so that blocks hold whole lines only.
                self.reader
                    .read_until(b'\n', &mut bytes)
                    .map_err(|e| ctx.io(e))?;
            }
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        if !self.eof && !bytes.ends_with(b"\n") {
            // A line longer than the block: keep reading it in the next round.
            self.carry = bytes;
            return self.next_block(ctx);
        }
        let first_line = self.next_line;
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        self.next_line += newlines + usize::from(!bytes.ends_with(b"\n"));
        Ok(Some(Block { bytes, first_line }))
    }
}

fn block_bytes_of(batch: &[Block], i: usize) -> usize {
    batch.get(i).map_or(0, |b| b.bytes.len())
}

fn strip_line_end(buf: &mut Vec<u8>) {
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
}

/// Positions of the long-form columns.
#[derive(Clone, Copy)]
struct LongColumns {
    sku: usize,
    period: usize,
    qty: usize,
}

/// Long-form values grow in a buffer with one row of `stride` cells per sku; NaN marks a
/// cell not seen yet. Sorted input fixes the stride on the first sku and never moves.
struct LongBuilder {
    keys: Vec<String>,
    index: FxHashMap<String, usize>,
    stride: usize,
    periods: usize,
    values: Vec<f64>,
    last: Option<usize>,
}

/// The most data rows the input can hold, from its size.
#[derive(Clone, Copy)]
struct RowBound {
    size: u64,
    rows: usize,
}

impl RowBound {
    /// Why `skus` skus with `periods` periods each cannot all be in the file, if so: every
    /// sku needs every period, one row each.
    fn too_many(&self, skus: usize, periods: usize) -> Option<String> {
        let needed = skus.saturating_mul(periods);
        (needed > self.rows).then(|| {
            format!(
                "every sku needs every period 0..{}, so {skus} sku(s) need at least {needed} rows, more than this file of {} bytes can hold (at most {})",
                periods - 1,
                self.size,
                self.rows
            )
        })
    }
}

impl LongBuilder {
    /// The series of `sku`, added (after checking that one more sku with the periods seen
    /// so far fits in the file) when new.
    fn series_index(&mut self, sku: &[u8], bound: RowBound) -> Result<usize, String> {
        if let Some(i) = self.last
            && self.keys[i].as_bytes() == sku
        {
            return Ok(i);
        }
        let key = String::from_utf8_lossy(sku);
        let i = match self.index.get(key.as_ref()) {
            Some(&i) => i,
            None => {
                if let Some(why) = bound.too_many(self.keys.len() + 1, self.periods) {
                    return Err(format!("a new sku {key:?}: {why}"));
                }
                let i = self.keys.len();
                self.keys.push(key.to_string());
                self.index.insert(key.into_owned(), i);
                self.values.resize(self.keys.len() * self.stride, f64::NAN);
                i
            }
        };
        self.last = Some(i);
        Ok(i)
    }

    fn ensure_period(&mut self, period: usize) {
        self.periods = self.periods.max(period + 1);
        if period < self.stride {
            return;
        }
        // While only one sku exists growing exactly costs nothing; later, grow
        // geometrically so that unsorted files do not restride at every new period.
        let new = if self.keys.len() <= 1 {
            period + 1
        } else {
            (period + 1).max(self.stride + self.stride / 2)
        };
        let mut values = vec![f64::NAN; self.keys.len() * new];
        for (dst, src) in values
            .chunks_exact_mut(new)
            .zip(self.values.chunks_exact(self.stride.max(1)))
        {
            dst[..self.stride].copy_from_slice(src);
        }
        self.values = values;
        self.stride = new;
    }

    fn finish(mut self) -> (Vec<String>, usize, Vec<f64>) {
        let (t, stride) = (self.periods, self.stride);
        if stride != t {
            for i in 0..self.keys.len() {
                self.values.copy_within(i * stride..i * stride + t, i * t);
            }
            self.values.truncate(self.keys.len() * t);
        }
        (self.keys, t, self.values)
    }
}

/// One long-form row, its sku as a byte range of its block.
struct LongRow {
    sku: (usize, usize),
    period: usize,
    qty: f64,
    line: usize,
}

fn parse_long_block(
    block: &Block,
    ctx: &Ctx<'_>,
    names: &[String],
    cols: LongColumns,
) -> Result<Vec<LongRow>, InputError> {
    let mut rows = Vec::with_capacity(block.bytes.len() / 16);
    let mut fields = Fields::default();
    let base = block.bytes.as_ptr() as usize;
    for (line_no, line) in block.lines() {
        if line.is_empty() {
            continue;
        }
        let bad = |c: usize, r: String| ctx.malformed(line_no, c, name_of(names, c), r);
        fields.split(line).map_err(|(c, r)| bad(c, r))?;
        if fields.len() != names.len() {
            let c = fields.len().min(names.len()) + 1;
            return Err(bad(
                c,
                format!("expected {} columns, found {}", names.len(), fields.len()),
            ));
        }
        let sku = trim_sku(fields.get(line, cols.sku));
        if sku.is_empty() {
            return Err(bad(cols.sku + 1, "empty sku".into()));
        }
        let period =
            parse_period(fields.get(line, cols.period)).map_err(|r| bad(cols.period + 1, r))?;
        let qty = parse_qty(fields.get(line, cols.qty)).map_err(|r| bad(cols.qty + 1, r))?;
        // An unquoted sku is a byte range of the block (found from the slice's address);
        // a quoted one lives in the split buffer, so its line is split again when merged.
        let sku = if fields.quoted {
            (usize::MAX, 0)
        } else {
            let start = sku.as_ptr() as usize - base;
            (start, start + sku.len())
        };
        rows.push(LongRow {
            sku,
            period,
            qty,
            line: line_no,
        });
    }
    Ok(rows)
}

fn read_long(
    mut blocks: BlockReader<'_>,
    ctx: &Ctx<'_>,
    names: &[String],
    cols: LongColumns,
    bound: RowBound,
) -> Result<Panel, InputError> {
    let mut b = LongBuilder {
        keys: Vec::new(),
        index: FxHashMap::default(),
        stride: 0,
        periods: 0,
        values: Vec::new(),
        last: None,
    };
    let mut fields = Fields::default();
    loop {
        let batch = blocks.next_batch(ctx)?;
        if batch.is_empty() {
            break;
        }
        let parsed: Vec<Result<Vec<LongRow>, InputError>> = batch
            .par_iter()
            .map(|block| parse_long_block(block, ctx, names, cols))
            .collect();
        for (block, rows) in batch.iter().zip(parsed) {
            for row in rows? {
                let sku: Vec<u8>;
                let sku_bytes: &[u8] = if row.sku.0 == usize::MAX {
                    // Re-split the quoted line to get its unquoted sku.
                    let line = block
                        .lines()
                        .find(|(n, _)| *n == row.line)
                        .map(|(_, l)| l)
                        .expect("the row's line is in its block");
                    fields.split(line).expect("parsed once already");
                    sku = trim_sku(fields.get(line, cols.sku)).to_vec();
                    &sku
                } else {
                    &block.bytes[row.sku.0..row.sku.1]
                };
                let i = b
                    .series_index(sku_bytes, bound)
                    .map_err(|why| ctx.malformed(row.line, cols.sku + 1, &names[cols.sku], why))?;
                if let Some(why) = bound.too_many(b.keys.len(), row.period.saturating_add(1)) {
                    return Err(ctx.malformed(
                        row.line,
                        cols.period + 1,
                        &names[cols.period],
                        format!("period {} cannot be right: {why}", row.period),
                    ));
                }
                b.ensure_period(row.period);
                let cell = &mut b.values[i * b.stride + row.period];
                if !cell.is_nan() {
                    return Err(ctx.malformed(
                        row.line,
                        cols.period + 1,
                        &names[cols.period],
                        format!("sku {:?} has period {} twice", b.keys[i], row.period),
                    ));
                }
                *cell = row.qty;
            }
        }
    }
    if b.keys.is_empty() {
        return Err(ctx.inconsistent("no data rows".into()));
    }
    let (keys, t, values) = b.finish();
    if let Some(pos) = values.iter().position(|v| v.is_nan()) {
        return Err(ctx.inconsistent(format!(
            "sku {:?} has no row for period {} (every sku needs every period 0..{})",
            keys[pos / t],
            pos % t,
            t - 1
        )));
    }
    Panel::new(keys, t, values).map_err(|e| ctx.inconsistent(e.to_string()))
}

/// Wide-form rows of one block.
#[derive(Default)]
struct WideRows {
    keys: Vec<String>,
    lines: Vec<usize>,
    values: Vec<f64>,
}

fn parse_wide_block(
    block: &Block,
    ctx: &Ctx<'_>,
    names: &[String],
) -> Result<WideRows, InputError> {
    let mut out = WideRows::default();
    let mut fields = Fields::default();
    for (line_no, line) in block.lines() {
        if line.is_empty() {
            continue;
        }
        let bad = |c: usize, r: String| ctx.malformed(line_no, c, name_of(names, c), r);
        fields.split(line).map_err(|(c, r)| bad(c, r))?;
        if fields.len() != names.len() {
            let c = (fields.len().min(names.len()) + 1).min(names.len() + 1);
            return Err(bad(
                c,
                format!("expected {} columns, found {}", names.len(), fields.len()),
            ));
        }
        let sku = String::from_utf8_lossy(trim_sku(fields.get(line, 0))).into_owned();
        if sku.is_empty() {
            return Err(bad(1, "empty sku".into()));
        }
        for c in 1..names.len() {
            let v = parse_qty(fields.get(line, c)).map_err(|r| bad(c + 1, r))?;
            out.values.push(v);
        }
        out.keys.push(sku);
        out.lines.push(line_no);
    }
    Ok(out)
}

fn read_wide(
    mut blocks: BlockReader<'_>,
    ctx: &Ctx<'_>,
    names: &[String],
) -> Result<Panel, InputError> {
    let t = names.len() - 1;
    let mut keys: Vec<String> = Vec::new();
    let mut values = Vec::new();
    let mut lines_of: Vec<usize> = Vec::new();
    // Duplicate skus are found by hash (no second copy of every key); equal hashes are
    // confirmed against the stored key.
    let mut seen: FxHashMap<u64, usize> = FxHashMap::default();
    loop {
        let batch = blocks.next_batch(ctx)?;
        if batch.is_empty() {
            break;
        }
        let parsed: Vec<Result<WideRows, InputError>> = batch
            .par_iter()
            .map(|block| parse_wide_block(block, ctx, names))
            .collect();
        for rows in parsed {
            let rows = rows?;
            for (sku, line_no) in rows.keys.into_iter().zip(rows.lines) {
                let hash = rustc_hash::FxBuildHasher.hash_one(&sku);
                match seen.entry(hash) {
                    Entry::Vacant(v) => {
                        v.insert(keys.len());
                    }
                    Entry::Occupied(o) => {
                        if let Some(first) = first_line_of(&keys, &lines_of, *o.get(), &sku) {
                            return Err(ctx.malformed(
                                line_no,
                                1,
                                "sku",
                                format!("sku {sku:?} already on line {first}"),
                            ));
                        }
                    }
                }
                keys.push(sku);
                lines_of.push(line_no);
            }
            if values.is_empty()
                && let Some(total) =
                    blocks.extrapolate(rows.values.len(), block_bytes_of(&batch, 0))
            {
                values.reserve_exact(total);
            }
            values.extend_from_slice(&rows.values);
        }
    }
    if keys.is_empty() {
        return Err(ctx.inconsistent("no data rows".into()));
    }
    Panel::new(keys, t, values).map_err(|e| ctx.inconsistent(e.to_string()))
}

/// Line of an earlier row with key `sku`: the one at `candidate` (same hash), or on a
/// hash collision any other (a linear scan, practically never taken).
fn first_line_of(
    keys: &[String],
    lines_of: &[usize],
    candidate: usize,
    sku: &str,
) -> Option<usize> {
    if keys[candidate] == sku {
        return Some(lines_of[candidate]);
    }
    keys.iter().position(|k| k == sku).map(|i| lines_of[i])
}

fn name_of(names: &[String], column: usize) -> &str {
    names
        .get(column.wrapping_sub(1))
        .map_or("beyond the header", String::as_str)
}

/// Non-negative integer period index.
fn parse_period(field: &[u8]) -> Result<usize, String> {
    let s = trim(field);
    if s.is_empty() {
        return Err("empty period".into());
    }
    if s.len() > 12 || !s.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "period {:?} is not an integer index 0, 1, 2, …",
            String::from_utf8_lossy(field)
        ));
    }
    Ok(s.iter()
        .fold(0usize, |acc, d| acc * 10 + (d - b'0') as usize))
}

/// The largest quantity a cell may hold (units per period, a minimum order, a pack): far
/// above any part's demand, and small enough that levels rounded to whole units stay exact
/// in floating point (from about 10^15 on, a reorder point no longer follows its
/// distribution and `1e308` overflows to infinity).
pub const MAX_QTY: f64 = 1e12;

/// Finite, non-negative decimal quantity, at most [`MAX_QTY`].
fn parse_qty(field: &[u8]) -> Result<f64, String> {
    let s = trim(field);
    if s.is_empty() {
        return Err("empty quantity".into());
    }
    // Most cells are small integers: skip the general float parser for them.
    if s.len() <= 12 && s.iter().all(u8::is_ascii_digit) {
        return Ok(s.iter().fold(0u64, |acc, d| acc * 10 + (d - b'0') as u64) as f64);
    }
    let text = std::str::from_utf8(s).map_err(|_| "quantity is not valid UTF-8".to_string())?;
    let bad = || format!("quantity {text:?} is not a number");
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(bad());
    }
    let v: f64 = text.parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(bad());
    }
    if v < 0.0 {
        return Err(format!("quantity {text} is negative"));
    }
    if v > MAX_QTY {
        return Err(format!(
            "quantity {text} is above {MAX_QTY:e}, the largest the engine plans exactly"
        ));
    }
    // `-0` (or a negative number too small for a float) is 0, never printed as `-0`.
    Ok(if v == 0.0 { 0.0 } else { v })
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// A sku without surrounding white space, as `str::trim` (the items file's rule) takes it
/// off; ASCII white space is cut without decoding.
fn trim_sku(b: &[u8]) -> &[u8] {
    let b = b.trim_ascii();
    let edge_not_ascii = |c: Option<&u8>| c.is_some_and(|c| !c.is_ascii());
    if (edge_not_ascii(b.first()) || edge_not_ascii(b.last()))
        && let Ok(s) = std::str::from_utf8(b)
    {
        return s.trim().as_bytes();
    }
    b
}

/// Field boundaries of the current line. Lines without quotes are split in place;
/// a line with quotes is unquoted into `unquoted` first.
#[derive(Default)]
struct Fields {
    ranges: Vec<(usize, usize)>,
    unquoted: Vec<u8>,
    quoted: bool,
}

impl Fields {
    /// Split `line`; errors carry the 1-based column.
    fn split(&mut self, line: &[u8]) -> Result<(), (usize, String)> {
        self.ranges.clear();
        self.quoted = line.contains(&b'"');
        if !self.quoted {
            let mut start = 0;
            for (i, &b) in line.iter().enumerate() {
                if b == b',' {
                    self.ranges.push((start, i));
                    start = i + 1;
                }
            }
            self.ranges.push((start, line.len()));
            return Ok(());
        }
        self.unquoted.clear();
        for f in split_fields(line) {
            let f = f?;
            let start = self.unquoted.len();
            self.unquoted.extend_from_slice(&f);
            self.ranges.push((start, self.unquoted.len()));
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Field `i` of `line` (the line given to the last [`Fields::split`]).
    fn get<'a>(&'a self, line: &'a [u8], i: usize) -> &'a [u8] {
        let (a, b) = self.ranges[i];
        if self.quoted {
            &self.unquoted[a..b]
        } else {
            &line[a..b]
        }
    }
}

/// Iterator over the fields of a line; a quoted field is unquoted.
fn split_fields(
    line: &[u8],
) -> impl Iterator<Item = Result<std::borrow::Cow<'_, [u8]>, (usize, String)>> {
    let mut pos = 0usize;
    let mut col = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        col += 1;
        let rest = &line[pos..];
        if rest.first() == Some(&b'"') {
            let mut buf = Vec::new();
            let mut i = 1;
            loop {
                match rest.get(i) {
                    None => {
                        done = true;
                        return Some(Err((col, "unterminated quoted field".into())));
                    }
                    Some(b'"') if rest.get(i + 1) == Some(&b'"') => {
                        buf.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        buf.push(c);
                        i += 1;
                    }
                }
            }
            match rest.get(i) {
                None => done = true,
                Some(b',') => pos += i + 1,
                Some(_) => {
                    done = true;
                    return Some(Err((col, "text after a closing quote".into())));
                }
            }
            Some(Ok(std::borrow::Cow::Owned(buf)))
        } else {
            match rest.iter().position(|&c| c == b',') {
                Some(end) => {
                    pos += end + 1;
                    Some(Ok(std::borrow::Cow::Borrowed(&rest[..end])))
                }
                None => {
                    done = true;
                    Some(Ok(std::borrow::Cow::Borrowed(rest)))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Panel, InputError> {
        let whole = read_demand_from(text.as_bytes(), Path::new("d.csv"));
        // Tiny blocks put block boundaries everywhere; the outcome must not change.
        for block in [1, 3, 7, 16] {
            let size = text.len() as u64;
            let small = read_in_blocks(text.as_bytes(), Path::new("d.csv"), block, size);
            match (&whole, &small) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "block size {block}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "block size {block}"),
                _ => panic!("block size {block} changes the outcome"),
            }
        }
        whole
    }

    fn err(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_sorted_long_form() {
        let p = read("sku,period,qty\na,0,1\na,1,0\na,2,2.5\nb,0,0\nb,1,3\nb,2,0\n").unwrap();
        assert_eq!(p.keys(), &["a".to_string(), "b".to_string()]);
        assert_eq!(p.periods(), 3);
        assert_eq!(p.series(0), &[1.0, 0.0, 2.5]);
        assert_eq!(p.series(1), &[0.0, 3.0, 0.0]);
    }

    #[test]
    fn reads_unsorted_long_form_with_columns_in_any_order() {
        let p = read("QTY,Sku,period\r\n4,b,1\r\n1,a,2\r\n2,b,0\r\n0,a,0\r\n7,a,1\r\n9,b,2\r\n")
            .unwrap();
        assert_eq!(p.keys(), &["b".to_string(), "a".to_string()]);
        assert_eq!(p.series(0), &[2.0, 4.0, 9.0]);
        assert_eq!(p.series(1), &[0.0, 7.0, 1.0]);
    }

    #[test]
    fn reads_wide_form() {
        let p = read("sku,2024-01,2024-02\n\"x,1\",1,0.5\ny,0,3\n").unwrap();
        assert_eq!(p.keys(), &["x,1".to_string(), "y".to_string()]);
        assert_eq!(p.series(0), &[1.0, 0.5]);
        assert_eq!(p.series(1), &[0.0, 3.0]);
    }

    #[test]
    fn a_quantity_beyond_what_the_engine_plans_exactly_is_refused() {
        assert_eq!(
            err("sku,p0,p1\nA,1,1e308\n"),
            "d.csv: line 2, column 3 (p1): quantity 1e308 is above 1e12, the largest the engine plans exactly"
        );
        assert!(
            err("sku,period,qty\nA,0,1000000000001\n").contains("line 2, column 3 (qty)"),
            "a long integer takes the general path"
        );
        // At the limit is fine.
        let p = read("sku,p0\nA,1000000000000\n").unwrap();
        assert_eq!(p.series(0), &[1e12]);
    }

    #[test]
    fn errors_far_into_the_file_keep_their_line_numbers() {
        let mut text = String::from("sku,p0,p1\n");
        for i in 0..50 {
            text.push_str(&format!("s{i},1,2\r\n"));
        }
        text.push_str("s50,1,x\n");
        assert_eq!(
            err(&text),
            "d.csv: line 52, column 3 (p1): quantity \"x\" is not a number"
        );
        let mut long = String::from("sku,period,qty\n");
        for i in 0..30 {
            long.push_str(&format!("\"s,{i}\",0,1\n\"s,{i}\",1,2\n"));
        }
        long.push_str("\"s,3\",1,2\n");
        assert_eq!(
            err(&long),
            "d.csv: line 62, column 2 (period): sku \"s,3\" has period 1 twice"
        );
    }

    #[test]
    fn a_bad_quantity_names_line_column_and_reason() {
        let e = err("sku,period,qty\na,0,1\na,1,abc\n");
        assert_eq!(
            e,
            "d.csv: line 3, column 3 (qty): quantity \"abc\" is not a number"
        );
        let e = err("sku,p0,p1\na,1,-2\n");
        assert_eq!(e, "d.csv: line 2, column 3 (p1): quantity -2 is negative");
    }

    #[test]
    fn a_bad_period_names_its_column() {
        let e = err("sku,period,qty\na,0,1\na,x1,1\n");
        assert!(
            e.starts_with("d.csv: line 3, column 2 (period): period \"x1\""),
            "{e}"
        );
    }

    #[test]
    fn a_missing_period_is_reported_with_the_sku() {
        let e = err("sku,period,qty\na,0,1\na,1,1\nb,0,1\n");
        assert_eq!(
            e,
            "d.csv: sku \"b\" has no row for period 1 (every sku needs every period 0..1)"
        );
    }

    #[test]
    fn a_duplicate_period_is_reported_on_its_line() {
        let e = err("sku,period,qty\na,0,1\na,0,2\n");
        assert_eq!(
            e,
            "d.csv: line 3, column 2 (period): sku \"a\" has period 0 twice"
        );
    }

    #[test]
    fn a_short_wide_row_is_reported() {
        let e = err("sku,p0,p1\na,1\n");
        assert_eq!(
            e,
            "d.csv: line 2, column 3 (p1): expected 3 columns, found 2"
        );
    }

    #[test]
    fn a_repeated_wide_sku_is_reported() {
        let e = err("sku,p0\na,1\na,2\n");
        assert_eq!(
            e,
            "d.csv: line 3, column 1 (sku): sku \"a\" already on line 2"
        );
    }

    #[test]
    fn an_unknown_header_is_rejected() {
        let e = err("part,period,qty\na,0,1\n");
        assert!(e.contains("line 1, column 1 (part)"), "{e}");
        assert!(err("").contains("empty"));
        assert!(err("sku,period,qty\n").contains("no data rows"));
    }

    #[test]
    fn an_unterminated_quote_is_reported() {
        let e = err("sku,p0\n\"a,1\n");
        assert_eq!(
            e,
            "d.csv: line 2, column 1 (sku): unterminated quoted field"
        );
    }

    #[test]
    fn quantities_accept_decimals_and_exponents_but_not_nan() {
        assert_eq!(parse_qty(b" 0.25 "), Ok(0.25));
        assert_eq!(parse_qty(b"1e2"), Ok(100.0));
        assert!(parse_qty(b"NaN").is_err());
        assert!(parse_qty(b"inf").is_err());
        assert!(parse_qty(b"").is_err());
    }

    #[test]
    fn a_period_index_beyond_what_the_file_can_hold_is_refused_on_its_line() {
        // Without the bound this sized a buffer of 10^11 cells and aborted.
        let e = err("sku,period,qty\nA,0,1\nA,99999999999,1\n");
        assert!(
            e.starts_with(
                "d.csv: line 3, column 2 (period): period 99999999999 cannot be right: every sku needs every period"
            ),
            "{e}"
        );
        assert!(
            e.contains("more than this file of 37 bytes can hold (at most 7)"),
            "{e}"
        );
        // Many skus with one period each and one sku far out: skus × periods is bounded.
        let mut text = String::from("sku,period,qty\n");
        for i in 0..200 {
            text.push_str(&format!("s{i},0,1\n"));
        }
        text.push_str("s0,150,1\n");
        let e = err(&text);
        assert!(
            e.starts_with("d.csv: line 202, column 2 (period): period 150"),
            "{e}"
        );
        // A new sku after long series is bounded the same way, on its sku cell.
        let mut text = String::from("sku,period,qty\n");
        for p in 0..100 {
            text.push_str(&format!("a,{p},1\n"));
        }
        text.push_str("b,0,1\nc,0,1\n");
        let e = err(&text);
        assert!(
            e.starts_with("d.csv: line 102, column 1 (sku): a new sku \"b\""),
            "{e}"
        );
        // Every valid file passes the bound, also periods before skus and unsorted rows.
        let p = read("sku,period,qty\na,0,1\nb,0,2\na,1,3\nb,1,4\n").unwrap();
        assert_eq!(p.series(1), &[2.0, 4.0]);
        let p = read("sku,period,qty\na,2,1\nb,2,2\na,1,3\nb,1,4\nb,0,5\na,0,6\n").unwrap();
        assert_eq!(p.series(0), &[6.0, 3.0, 1.0]);
    }

    #[test]
    fn a_piped_file_is_read_whole_and_bounded_by_its_length() {
        let e = read_demand_from(&b"sku,period,qty\nA,99999999999,1\n"[..], Path::new("pipe"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2, column 2 (period): period 99999999999"),
            "{e}"
        );
    }

    #[test]
    fn a_long_header_with_extra_columns_stays_long_form() {
        let p = read("sku,period,qty,warehouse\na,0,1,W1\na,1,2,\"W,2\"\nb,0,3,W1\nb,1,0,W1\n")
            .unwrap();
        assert_eq!(p.keys(), &["a".to_string(), "b".to_string()]);
        assert_eq!(p.series(0), &[1.0, 2.0]);
        let p = read("note,QTY,sku,period\nx,4,b,0\ny,5,b,1\n").unwrap();
        assert_eq!(p.series(0), &[4.0, 5.0]);
        let e = err("sku,period,qty,warehouse\na,0,1\n");
        assert_eq!(
            e,
            "d.csv: line 2, column 4 (warehouse): expected 4 columns, found 3"
        );
        let e = err("sku,period,qty,qty\na,0,1,1\n");
        assert_eq!(
            e,
            "d.csv: line 1, column 4 (qty): column `qty` appears twice (also column 3)"
        );
    }

    #[test]
    fn integer_period_labels_must_count_from_zero_and_no_label_repeats() {
        let p = read("sku,0,1,2\na,1,2,3\n").unwrap();
        assert_eq!(p.series(0), &[1.0, 2.0, 3.0]);
        let e = err("sku,1,2,3\na,1,2,3\n");
        assert_eq!(
            e,
            "d.csv: line 1, column 2 (1): the period labels are integers, so they must be 0, 1, 2, … in order: this one is 1, expected 0"
        );
        let e = err("sku,0,2,1\na,1,2,3\n");
        assert!(
            e.starts_with("d.csv: line 1, column 3 (2): the period labels"),
            "{e}"
        );
        let e = err("sku,2024-01,2024-02,2024-01\na,1,2,3\n");
        assert_eq!(
            e,
            "d.csv: line 1, column 4 (2024-01): period label \"2024-01\" repeats column 2 (every period once)"
        );
        let e = err("sku,0,1,\na,1,2,\n");
        assert_eq!(e, "d.csv: line 1, column 4 (): empty period label");
        // Labels that are not all integers (dates, `p0`) are taken in file order.
        let p = read("sku,2024-02,2024-01\na,1,2\n").unwrap();
        assert_eq!(p.series(0), &[1.0, 2.0]);
    }

    #[test]
    fn skus_are_trimmed_in_both_forms_as_in_the_items_file() {
        let p = read("sku,period,qty\n a ,0,1\na,1,2\n\" b\",0,3\nb ,1,4\n").unwrap();
        assert_eq!(p.keys(), &["a".to_string(), "b".to_string()]);
        assert_eq!(p.series(1), &[3.0, 4.0]);
        let p = read("sku,p0\n\u{a0}x\t,1\n").unwrap();
        assert_eq!(p.keys(), &["x".to_string()]);
        let e = err("sku,p0\n a,1\na ,2\n");
        assert_eq!(
            e,
            "d.csv: line 3, column 1 (sku): sku \"a\" already on line 2"
        );
    }

    #[test]
    fn a_negative_zero_quantity_is_zero() {
        let q = parse_qty(b"-0").unwrap();
        assert!(q == 0.0 && q.is_sign_positive());
        let q = parse_qty(b"-0.000").unwrap();
        assert!(q.is_sign_positive());
        assert!(parse_qty(b"-0.001").is_err());
    }
}
