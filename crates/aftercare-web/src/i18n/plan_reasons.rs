//! Planning explanations in Chinese. The planning engine and the app explain a proposal
//! (`available 3 < reorder point 5; order up to 12: 9 (sba)`) and a part's method choice
//! (`intermittent demand: sba has the lowest backtest error 0.412 (next: tsb 0.430);
//! chosen sba at 0.412`) in English, and the API keeps them so; pages in 简体中文 show them
//! translated here.
//!
//! Such a text is read as the engine and the app compose it: an optional prefix
//! (`last-time buy before end of service: `, `emergency requisition: `), segments joined
//! by `"; "`, and on a proposal the method in parentheses at the end. Each segment must
//! match one pattern of [`SEGMENTS`] as a whole; a pattern's placeholders are typed (see
//! [`Slot`]) so that a number only matches a number and a method only a method code.
//! Numbers, amounts and method codes are carried over as they are. A text with any part
//! no pattern matches is shown exactly as it is, in English, never half translated.

use aftercare_domain::settings::Lang;

/// What a placeholder of a pattern stands for, and how it is carried over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// `{n}`: a number or an amount (`3`, `-2`, `0.412`, `95.0`, `12.50`), kept.
    Number,
    /// `{m}`: a method code (`sba`, `historic_average`, `combo(ses+sba)`), kept.
    Method,
    /// `{c}`: a demand class code, translated ([`class_zh`]).
    Class,
    /// `{b}`: a period length, `week` or `month`, translated.
    Bucket,
    /// `{r}`: what a replay of the history filled, or nothing ([`REPLAYED`]).
    Replayed,
    /// `{s}`: why a warehouse's fill target is not met, or nothing ([`SHORTFALLS`]).
    Shortfall,
    /// `{w}`: who asks how many (`WH-ST-001 5, WH-ST-002 2, 3 more`), codes and numbers
    /// kept ([`requests_zh`]).
    Requests,
    /// `{k}`: a warehouse code (no spaces or commas), kept.
    Code,
}

impl Slot {
    fn of(c: char) -> Slot {
        match c {
            'n' => Slot::Number,
            'm' => Slot::Method,
            'c' => Slot::Class,
            'b' => Slot::Bucket,
            'r' => Slot::Replayed,
            's' => Slot::Shortfall,
            'w' => Slot::Requests,
            'k' => Slot::Code,
            other => panic!("unknown placeholder {{{other}}}"),
        }
    }

    /// The value in Chinese, when `text` is one of these.
    fn zh(self, text: &str) -> Option<String> {
        match self {
            Slot::Number => is_number(text).then(|| text.to_string()),
            Slot::Method => is_method(text).then(|| text.to_string()),
            Slot::Class => class_zh(text).map(str::to_string),
            Slot::Bucket => match text {
                "week" => Some("周".into()),
                "month" => Some("月".into()),
                _ => None,
            },
            Slot::Replayed if text.is_empty() => Some(String::new()),
            Slot::Replayed => translate(REPLAYED, text),
            Slot::Shortfall if text.is_empty() => Some(String::new()),
            Slot::Shortfall => translate(SHORTFALLS, text),
            Slot::Requests => requests_zh(text),
            Slot::Code => {
                (!text.is_empty() && !text.contains([' ', ',', ';'])).then(|| text.to_string())
            }
        }
    }
}

/// A list of requests (`CODE qty`, comma-separated, maybe ending in `N more`) in Chinese.
fn requests_zh(text: &str) -> Option<String> {
    text.split(", ")
        .map(|item| {
            if let Some(n) = item.strip_suffix(" more").filter(|n| is_number(n)) {
                return Some(format!("另 {n} 个仓库"));
            }
            let (code, qty) = item.rsplit_once(' ')?;
            let code_ok = !code.is_empty() && !code.contains(char::is_whitespace);
            (code_ok && is_number(qty)).then(|| item.to_string())
        })
        .collect::<Option<Vec<String>>>()
        .map(|items| items.join("，"))
}

/// Demand classes (`aftercare_planning::classify::DemandClass::code`) in Chinese.
const CLASSES: &[(&str, &str)] = &[
    ("smooth", "平稳"),
    ("erratic", "不稳定"),
    ("intermittent", "间歇"),
    ("lumpy", "块状"),
    ("new", "新品"),
    ("inactive", "不活跃"),
];

/// A demand class's name in Chinese, if `code` is one.
pub fn class_zh(code: &str) -> Option<&'static str> {
    CLASSES.iter().find(|(c, _)| *c == code).map(|(_, zh)| *zh)
}

/// Prefixes of a whole text (English, Chinese).
const PREFIXES: &[(&str, &str)] = &[
    (
        "last-time buy before end of service: ",
        "停止服务前的末次采购：",
    ),
    ("emergency requisition: ", "急件请购："),
];

/// One segment between `"; "` (English pattern, Chinese template with `{0}`, `{1}`, … for
/// the placeholders in order).
const SEGMENTS: &[(&str, &str)] = &[
    // Netting (aftercare_planning::netting), with what plan_item puts before it.
    ("manual levels", "按手工上下限"),
    (
        "event demand {n} in the next {n} periods",
        "未来 {1} 个周期内有事件需求 {0}",
    ),
    (
        "available {n} < reorder point {n}",
        "可用库存 {0} 低于再订货点 {1}",
    ),
    ("order up to {n}: {n}", "补货至 {0}，建议数量 {1}"),
    (
        "order up to {n} (raised to MOQ {n}): {n}",
        "补货至 {0}（已提高到最小起订量 {1}），建议数量 {2}",
    ),
    (
        "order {n} lot(s) of {n}: {n}",
        "订 {0} 批、每批 {1}，建议数量 {2}",
    ),
    (
        "order {n} lot(s) of {n} (raised to MOQ {n}): {n}",
        "订 {0} 批、每批 {1}（已提高到最小起订量 {2}），建议数量 {3}",
    ),
    (
        "available {n} ≥ reorder point {n}: no order",
        "可用库存 {0} 不低于再订货点 {1}：无需订货",
    ),
    (
        "available {n} (after backorders {n}) < reorder point {n}",
        "扣除欠交 {1} 后可用库存 {0} 低于再订货点 {2}",
    ),
    (
        "available {n} (after backorders {n}) ≥ reorder point {n}: no order",
        "扣除欠交 {1} 后可用库存 {0} 不低于再订货点 {2}：无需订货",
    ),
    ("no demand expected", "预计没有需求"),
    (
        "expected to fall below it in {n} period(s)",
        "预计 {0} 个周期后低于再订货点",
    ),
    (
        "not expected to fall below it within {n} periods",
        "预计 {0} 个周期内不会低于再订货点",
    ),
    // Last-time buy (aftercare_planning::lifecycle::last_time_buy).
    (
        "expected demand {n} over {n} periods (rate falling {n} % per period)",
        "剩余 {1} 个周期预计需求 {0}（需求每周期递减 {2} %）",
    ),
    (
        "cover {n} for the target, available {n}: buy {n}",
        "达到服务目标需备 {0}，可用库存 {1}：采购 {2}",
    ),
    (
        "cover {n} for the target plus event demand {n}, available {n}: buy {n}",
        "达到服务目标需备 {0}，另加事件需求 {1}，可用库存 {2}：采购 {3}",
    ),
    (
        "no demand in the fitted history, available {n}: buy {n}",
        "用于拟合的历史中没有需求，可用库存 {0}：采购 {1}",
    ),
    (
        "no demand in the fitted history plus event demand {n}, available {n}: buy {n}",
        "用于拟合的历史中没有需求，另有事件需求 {0}，可用库存 {1}：采购 {2}",
    ),
    (
        "raised to {n}: the warehouses it replenishes ask {n} now against {n} here",
        "提高到 {0}：下级仓库现要 {1}，本仓可用 {2}",
    ),
    // Emergency requisition (App::raise_emergency_if_short), after its prefix.
    (
        "available {n} < minimum {n} after an issue, {n} on the way",
        "出库后可用库存 {0} 低于最低库存 {1}，在途 {2}",
    ),
    (
        "available {n} < reorder point {n} after an issue, {n} on the way",
        "出库后可用库存 {0} 低于再订货点 {1}，在途 {2}",
    ),
    ("request {n} up to {n}", "请购 {0}，补到 {1}"),
    // The method choice (aftercare_planning::plan's `explain`).
    (
        "{c} demand: no demand where the backtest looked, so every method scores 0",
        "{0}需求：回测区间内没有需求，各方法误差均为 0",
    ),
    ("{m} by default", "默认采用 {0}"),
    (
        "{c} demand with too little history to backtest: {m} by default",
        "{0}需求，历史太短无法回测：默认采用 {1}",
    ),
    (
        "{c} demand: {m} (backtest error {n})",
        "{0}需求：{1}（回测误差 {2}）",
    ),
    (
        "{c} demand: {m} has the lowest backtest error {n} (next: {m} {n})",
        "{0}需求：{1} 的回测误差最低，为 {2}（其次：{3} {4}）",
    ),
    ("chosen {m} at {n}", "选用 {0}，误差 {1}"),
    (
        "not stocked: no demand in the last {n} periods",
        "不备库存：最近 {0} 个周期没有需求",
    ),
    // What the app adds to the method choice.
    (
        "backorders {n}: open transfer requests of the warehouses it replenishes: {w}",
        "欠交 {0}：下级仓库未处理的调拨请求：{1}",
    ),
    (
        "returns {n} coming: stock the warehouses it replenishes no longer keep: {w}",
        "退回在途 {0}：下级仓库不再备库的库存：{1}",
    ),
    (
        "the last-time buy fits the units issued across its network",
        "末次采购按整个网络（本仓及下级仓库）的领用出库拟合",
    ),
    (
        "the last-time buy counts {n} units held by the warehouses it replenishes",
        "末次采购已计入下级仓库持有的 {0} 件",
    ),
    (
        "holds {n} units it no longer stocks: return {n} to {k}",
        "持有 {0} 件已不再备库的库存：退回 {2} {1} 件",
    ),
    (
        "holds {n} unit it no longer stocks: return {n} to {k}",
        "持有 {0} 件已不再备库的库存：退回 {2} {1} 件",
    ),
    (
        "holds {n} units it no longer stocks: worth less than a transfer, kept here",
        "持有 {0} 件已不再备库的库存：价值低于一次调拨成本，留在本仓",
    ),
    (
        "holds {n} unit it no longer stocks: worth less than a transfer, kept here",
        "持有 {0} 件已不再备库的库存：价值低于一次调拨成本，留在本仓",
    ),
    (
        "holds {n} units it no longer stocks: kept here, a planner rejected its return",
        "持有 {0} 件已不再备库的库存：计划员驳回了退回，留在本仓",
    ),
    (
        "holds {n} unit it no longer stocks: kept here, a planner rejected its return",
        "持有 {0} 件已不再备库的库存：计划员驳回了退回，留在本仓",
    ),
    (
        "repair returns {n} on order: {n} units at repair vendors due within the lead time, {n} % of repairs come back usable",
        "维修返回 {0} 计入在订：维修商处 {1} 件在提前期内到期，维修后可用率 {2} %",
    ),
    (
        "level from the warehouse's fill target {n} % over {n} parts ({r}expected {n} %{s}): a unit short for a {b} is valued at {n} of stock",
        "库存水平由本仓库 {1} 个备件的整体目标满足率 {0} % 决定（{2}预期 {3} %{4}）：每{5}缺 1 件按 {6} 库存金额计",
    ),
    (
        "past end of production and end of service: nothing to buy",
        "已过停产日期和停止服务日期：无需采购",
    ),
    (
        "past end of production: no purchase, and no last-time buy until an end of service is set",
        "已过停产日期：不再常规采购；设定停止服务日期之前也不做末次采购",
    ),
    (
        "past end of production and below the reorder point, yet the declining-demand fit asks for no last-time buy: check it by hand",
        "已过停产日期且低于再订货点，但需求递减拟合得出无需末次采购：请人工核对",
    ),
    // The part's page, where netting would order but a run proposes nothing.
    (
        "not ordered: past end of production",
        "不订货：已过停产日期",
    ),
];

/// What a replay of the history filled, inside the warehouse fill segment.
const REPLAYED: &[(&str, &str)] = &[
    (
        "replayed over the last {n} weeks {n} %, ",
        "最近 {0} 周历史回放 {1} %，",
    ),
    (
        "replayed over the last {n} months {n} %, ",
        "最近 {0} 个月历史回放 {1} %，",
    ),
];

/// Why a warehouse's fill target is not met (`WarehouseFill::shortfall`), after a comma.
const SHORTFALLS: &[(&str, &str)] = &[
    (
        ", short of the target at the highest value searched",
        "，取搜索范围内的最高值仍未达到目标",
    ),
    (
        ", short of the target on the replay even at the highest value searched: the least value within 0.15 points of the most it fills",
        "，即使取搜索范围内的最高值，历史回放仍未达到目标：取回放满足率与最高满足率相差不到 0.15 个百分点的最小值",
    ),
];

/// A planning reason or why-text in `lang`: as it is in English, translated in Chinese
/// when every part of it is understood, else as it is.
pub fn plan_text(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::ZhCn => plan_text_zh(text).unwrap_or_else(|| text.to_string()),
    }
}

/// A demand event as a plan counts it (`<name> at <warehouse>: <units> from <date> to
/// <date>`) in `lang`; the name is the planner's own and kept. Text of another shape is
/// kept as it is.
pub fn event_text(lang: Lang, label: &str) -> String {
    let parsed = || {
        let (rest, ends) = label.rsplit_once(" to ")?;
        let (rest, starts) = rest.rsplit_once(" from ")?;
        let (rest, units) = rest.rsplit_once(": ")?;
        let (name, code) = rest.rsplit_once(" at ")?;
        is_number(units).then_some((name, code, units, starts, ends))
    };
    match (lang, parsed()) {
        (Lang::ZhCn, Some((name, code, units, starts, ends))) => {
            format!("{name}（{code}）：{starts} 至 {ends} 共 {units}")
        }
        _ => label.to_string(),
    }
}

/// A demand class in `lang`: the code in English, its name in Chinese (an unknown code as
/// it is).
pub fn class_text(lang: Lang, code: &str) -> String {
    match lang {
        Lang::En => code.to_string(),
        Lang::ZhCn => class_zh(code).unwrap_or(code).to_string(),
    }
}

/// The Chinese translation of a planning reason or why-text, if every part is understood.
pub fn plan_text_zh(text: &str) -> Option<String> {
    let (body, method) = split_method(text);
    let (prefix, body) = PREFIXES
        .iter()
        .find_map(|(en, zh)| body.strip_prefix(en).map(|rest| (*zh, rest)))
        .unwrap_or(("", body));
    let segments = body
        .split("; ")
        .map(|s| translate(SEGMENTS, s))
        .collect::<Option<Vec<String>>>()?;
    let mut out = format!("{prefix}{}", segments.join("；"));
    if let Some(m) = method {
        out.push_str(&format!("（预测方法：{m}）"));
    }
    Some(out)
}

/// The text without the method the app puts in parentheses at the end of a proposal's
/// reason (`…: 9 (sba)`, `…: 9 (combo(ses+sba))`), and that method.
fn split_method(text: &str) -> (&str, Option<&str>) {
    let Some(inner) = text.strip_suffix(')') else {
        return (text, None);
    };
    inner
        .match_indices(" (")
        .map(|(i, _)| i)
        .find(|&i| is_method(&inner[i + 2..]))
        .map_or((text, None), |i| (&inner[..i], Some(&inner[i + 2..])))
}

/// The template of the first pattern of `table` that `text` matches as a whole, with
/// its values filled in.
fn translate(table: &[(&str, &str)], text: &str) -> Option<String> {
    table.iter().find_map(|(pattern, zh)| {
        matches(&tokens(pattern), text).map(|values| super::reasons::fill(zh, values))
    })
}

/// A pattern's parts: literal text, and typed placeholders.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    Lit(&'a str),
    Slot(Slot),
}

fn tokens(pattern: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Token::Lit(&rest[..open]));
        }
        let kind = rest[open + 1..].chars().next().expect("a placeholder");
        assert_eq!(
            &rest[open + 2..open + 3],
            "}",
            "placeholders are one letter"
        );
        out.push(Token::Slot(Slot::of(kind)));
        rest = &rest[open + 3..];
    }
    if !rest.is_empty() {
        out.push(Token::Lit(rest));
    }
    out
}

/// The placeholders' values in Chinese when `text` matches the tokens as a whole. A
/// placeholder takes the text up to some occurrence of the literal after it; every
/// occurrence is tried, so a placeholder never swallows what a later part needs.
fn matches(tokens: &[Token<'_>], text: &str) -> Option<Vec<String>> {
    match tokens {
        [] => text.is_empty().then(Vec::new),
        [Token::Lit(l), rest @ ..] => matches(rest, text.strip_prefix(l)?),
        [Token::Slot(s)] => Some(vec![s.zh(text)?]),
        [Token::Slot(s), Token::Lit(l), rest @ ..] => text.match_indices(l).find_map(|(i, _)| {
            let value = s.zh(&text[..i])?;
            let mut values = matches(rest, &text[i + l.len()..])?;
            values.insert(0, value);
            Some(values)
        }),
        [Token::Slot(_), Token::Slot(_), ..] => panic!("two placeholders in a row"),
    }
}

/// A number as the engine and the app print one: digits with an optional sign and
/// decimal point (`fmt_qty`, `{:.3}`, an amount), or a float's `inf` / `NaN`.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    matches!(digits, "inf" | "NaN")
        || (digits.chars().any(|c| c.is_ascii_digit())
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.matches('.').count() <= 1)
}

/// A method code (`sba`, `ses_opt`) or an average of several (`combo(ses+sba)`; the
/// engine names the empty average of an empty history `combo()`).
fn is_method(s: &str) -> bool {
    let code = |c: &str| {
        !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
    };
    match s.strip_prefix("combo(").and_then(|r| r.strip_suffix(')')) {
        Some("") => true,
        Some(members) => members.split('+').all(code),
        None => code(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_in_chinese_with_its_own_name_kept() {
        let label = "召回 Recall R-2026-01 at WH-SOUTH: 50 from 2026-12-07 to 2027-01-03";
        assert_eq!(
            event_text(Lang::ZhCn, label),
            "召回 Recall R-2026-01（WH-SOUTH）：2026-12-07 至 2027-01-03 共 50"
        );
        assert_eq!(event_text(Lang::En, label), label);
        // A name with " at " in it keeps it; another shape is left as it is.
        assert_eq!(
            event_text(
                Lang::ZhCn,
                "Fan at risk at WH-1: 2.5 from 2026-01-01 to 2026-02-01"
            ),
            "Fan at risk（WH-1）：2026-01-01 至 2026-02-01 共 2.5"
        );
        assert_eq!(event_text(Lang::ZhCn, "something else"), "something else");
    }
    use aftercare_planning::auto::AutoConfig;
    use aftercare_planning::forecast::{Method, MethodParams};
    use aftercare_planning::lifecycle::{EventDemand, LastTimeBuyInput, last_time_buy};
    use aftercare_planning::netting::{NettingItem, StockPosition, net};
    use aftercare_planning::plan::{ManualLevels, PlanInput, PlanSettings, plan_item};
    use aftercare_planning::policy::{ItemParams, LotSizing, Nanos, ServiceTarget, StockPolicy};
    use std::collections::BTreeSet;

    /// The Chinese of `text`, which must leave no English word behind: the only runs of
    /// ASCII letters left are method codes (`sba`, `historic_average`, `combo`).
    fn zh(text: &str) -> String {
        let out = plan_text_zh(text).unwrap_or_else(|| panic!("untranslated: {text}"));
        let words: Vec<&str> = out
            .split(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .collect();
        for w in words {
            assert!(
                w == "combo" || Method::CODES.contains(&w),
                "English word {w:?} left in {out:?} (from {text:?})"
            );
        }
        out
    }

    fn policy(rop: f64, max: f64, lot: f64, rate: f64) -> StockPolicy {
        StockPolicy {
            mean_per_period: rate,
            protection_periods: 3,
            ltd_mean: 1.5,
            ltd_sd: 1.0,
            distribution: "poisson",
            min: rop - 1.5,
            reorder_point: rop,
            max,
            eoq: lot,
            lot,
        }
    }

    fn on_hand(q: f64) -> StockPosition {
        StockPosition {
            on_hand: q,
            ..Default::default()
        }
    }

    #[test]
    fn texts_translate_with_their_values_and_codes() {
        assert_eq!(
            zh("available 3 < reorder point 5; order up to 12: 9 (sba)"),
            "可用库存 3 低于再订货点 5；补货至 12，建议数量 9（预测方法：sba）"
        );
        assert_eq!(
            zh(
                "manual levels; available -2 < reorder point 5; order up to 12: 14 (combo(ses+sba))"
            ),
            "按手工上下限；可用库存 -2 低于再订货点 5；补货至 12，建议数量 14（预测方法：combo(ses+sba)）"
        );
        assert_eq!(
            zh(
                "intermittent demand: sba has the lowest backtest error 0.412 (next: tsb 0.430); chosen combo(sba+tsb) at 0.401"
            ),
            "间歇需求：sba 的回测误差最低，为 0.412（其次：tsb 0.430）；选用 combo(sba+tsb)，误差 0.401"
        );
        assert_eq!(
            zh(
                "last-time buy before end of service: expected demand 40.5 over 24 periods (rate falling 3.2 % per period); cover 52 for the target, available 10: buy 42"
            ),
            "停止服务前的末次采购：剩余 24 个周期预计需求 40.5（需求每周期递减 3.2 %）；达到服务目标需备 52，可用库存 10：采购 42"
        );
        assert_eq!(
            zh(
                "emergency requisition: available 44 < minimum 45 after an issue, 0 on the way; request 16 up to 60"
            ),
            "急件请购：出库后可用库存 44 低于最低库存 45，在途 0；请购 16，补到 60"
        );
        assert_eq!(
            zh(
                "emergency requisition: available 2 < reorder point 7 after an issue, 3 on the way; request 9 up to 14"
            ),
            "急件请购：出库后可用库存 2 低于再订货点 7，在途 3；请购 9，补到 14"
        );
        assert_eq!(
            plan_text_zh(
                "intermittent demand: sba (backtest error 0.2); backorders 4: open transfer requests of the warehouses it replenishes: WH-R 4; returns 3 coming: stock the warehouses it replenishes no longer keep: WH-GZ01 2, WH-GZ02 1"
            )
            .as_deref(),
            Some(
                "间歇需求：sba（回测误差 0.2）；欠交 4：下级仓库未处理的调拨请求：WH-R 4；退回在途 3：下级仓库不再备库的库存：WH-GZ01 2，WH-GZ02 1"
            )
        );
        assert_eq!(
            plan_text_zh(
                "inactive demand: tsb (backtest error 0.1); not stocked: no demand in the last 60 periods; holds 1 unit it no longer stocks: kept here, a planner rejected its return"
            )
            .as_deref(),
            Some(
                "不活跃需求：tsb（回测误差 0.1）；不备库存：最近 60 个周期没有需求；持有 1 件已不再备库的库存：计划员驳回了退回，留在本仓"
            )
        );
        assert_eq!(
            plan_text_zh(
                "not stocked: no demand in the last 60 periods; holds 1 unit it no longer stocks: return 1 to WH-EAST"
            )
            .as_deref(),
            Some("不备库存：最近 60 个周期没有需求；持有 1 件已不再备库的库存：退回 WH-EAST 1 件")
        );
        assert_eq!(
            plan_text_zh(
                "emergency requisition: available 1 < minimum 2 after an issue, 0 on the way; backorders 13: open transfer requests of the warehouses it replenishes: WH-R 8, WH-S 5; request 24 up to 12"
            )
            .as_deref(),
            Some(
                "急件请购：出库后可用库存 1 低于最低库存 2，在途 0；欠交 13：下级仓库未处理的调拨请求：WH-R 8，WH-S 5；请购 24，补到 12"
            )
        );
        assert_eq!(class_text(Lang::ZhCn, "lumpy"), "块状");
        assert_eq!(class_text(Lang::En, "lumpy"), "lumpy");
        assert_eq!(
            plan_text(Lang::En, "no demand expected"),
            "no demand expected"
        );
    }

    /// What is not understood is shown as it is, whole: never half translated, and a
    /// placeholder takes only what its type allows.
    #[test]
    fn unknown_texts_stay_as_they_are() {
        for text in [
            "",
            "something new",
            "available 3 < reorder point 5; something new",
            "available three < reorder point 5; order up to 12: 9",
            "available 3 < reorder point 5; order up to 12: 9 (Not A Method)",
            "weird demand: sba (backtest error 0.4)",
            "smooth demand: sba has the lowest backtest error x (next: tsb 0.4); chosen sba at 0.4",
            "available 3 < reorder point 5;order up to 12: 9",
            "order up to 12: 9 (sba) ",
            "backorders 7: open transfer requests of the warehouses it replenishes: WH-1 five",
            "backorders 7: open transfer requests of the warehouses it replenishes: WH 1 2",
            "backorders 7: open transfer requests of the warehouses it replenishes: ",
        ] {
            assert_eq!(plan_text_zh(text), None, "{text}");
            assert_eq!(plan_text(Lang::ZhCn, text), text);
        }
    }

    /// Every pattern is well formed (one-letter placeholders, never two in a row) and its
    /// Chinese uses each of its values.
    #[test]
    fn patterns_are_well_formed() {
        for table in [SEGMENTS, REPLAYED, SHORTFALLS, PREFIXES] {
            for (en, zh_) in table {
                let slots = tokens(en)
                    .iter()
                    .filter(|t| matches!(t, Token::Slot(_)))
                    .count();
                for i in 0..slots {
                    assert!(zh_.contains(&format!("{{{i}}}")), "{en}: {{{i}}} unused");
                }
                assert!(!zh_.contains(&format!("{{{slots}}}")), "{en}");
            }
        }
    }

    /// Every netting reason the engine writes (aftercare_planning::netting::net).
    #[test]
    fn every_netting_reason_translates() {
        let mut reasons = Vec::new();
        for sizing in [
            LotSizing::OrderUpTo,
            LotSizing::UpToMax,
            LotSizing::FixedQuantity,
        ] {
            for moq in [0.0, 30.0] {
                let item = NettingItem {
                    lead_time: 2,
                    moq,
                    unit: 1.0,
                    lot_sizing: sizing,
                };
                for available in [3.0, -2.0, 2.5] {
                    reasons.push(
                        net(&on_hand(available), &policy(5.0, 12.0, 4.0, 0.5), &item, 10).reason,
                    );
                }
                for backorders in [4.0, 0.5] {
                    let owed = StockPosition {
                        backorders,
                        ..on_hand(7.0)
                    };
                    reasons.push(net(&owed, &policy(5.0, 12.0, 4.0, 0.5), &item, 10).reason);
                }
                for rate in [0.0, 0.5, 1e-30] {
                    reasons
                        .push(net(&on_hand(7.0), &policy(5.0, 12.0, 4.0, rate), &item, 10).reason);
                }
            }
        }
        let joined = reasons.join("\n");
        for family in [
            "order up to",
            "lot(s) of",
            "raised to MOQ",
            "no demand expected",
            "expected to fall below it in",
            "not expected to fall below it within",
            "(after backorders 4) <",
            "(after backorders 0.5) ≥",
        ] {
            assert!(joined.contains(family), "no {family} among {joined}");
        }
        for r in &reasons {
            zh(r);
            // As the app stores a proposal's reason: with the method chosen.
            zh(&format!("{r} (sba)"));
            zh(&format!("{r} (combo(historic_average+ses+sba+tsb))"));
        }
        assert_eq!(
            plan_text_zh(
                "intermittent demand: sba (backtest error 0.4); backorders 12: open transfer requests of the warehouses it replenishes: WH-ST-0001 5, WH-ST-0002 2, 3 more"
            )
            .as_deref(),
            Some(
                "间歇需求：sba（回测误差 0.4）；欠交 12：下级仓库未处理的调拨请求：WH-ST-0001 5，WH-ST-0002 2，另 3 个仓库"
            )
        );
        assert_eq!(
            zh(
                "smooth demand: ses (backtest error 0.2); repair returns 3.6 on order: 4 units at repair vendors due within the lead time, 90 % of repairs come back usable"
            ),
            "平稳需求：ses（回测误差 0.2）；维修返回 3.6 计入在订：维修商处 4 件在提前期内到期，维修后可用率 90 %"
        );
        assert_eq!(
            zh(
                "smooth demand: ses (backtest error 0.2); the last-time buy counts 10 units held by the warehouses it replenishes"
            ),
            "平稳需求：ses（回测误差 0.2）；末次采购已计入下级仓库持有的 10 件"
        );
        assert_eq!(
            zh(
                "last-time buy before end of service: no demand in the fitted history, available 11: buy 0; raised to 9: the warehouses it replenishes ask 13 now against 4 here"
            ),
            "停止服务前的末次采购：用于拟合的历史中没有需求，可用库存 11：采购 0；提高到 9：下级仓库现要 13，本仓可用 4"
        );
        assert_eq!(
            plan_text_zh(
                "inactive demand: tsb (backtest error 0.1); not stocked: no demand in the last 60 periods; holds 3 units it no longer stocks: return 2 to WH-EAST"
            )
            .as_deref(),
            Some(
                "不活跃需求：tsb（回测误差 0.1）；不备库存：最近 60 个周期没有需求；持有 3 件已不再备库的库存：退回 WH-EAST 2 件"
            )
        );
        assert_eq!(
            zh("available 3 (after backorders 4) < reorder point 5; order up to 12: 9 (sba)"),
            "扣除欠交 4 后可用库存 3 低于再订货点 5；补货至 12，建议数量 9（预测方法：sba）"
        );
        assert_eq!(
            zh("available 3 < reorder point 5; order 1 lot(s) of 4 (raised to MOQ 30): 30"),
            "可用库存 3 低于再订货点 5；订 1 批、每批 4（已提高到最小起订量 30），建议数量 30"
        );
    }

    /// Every last-time-buy reason (aftercare_planning::lifecycle::last_time_buy), as the
    /// app stores it.
    #[test]
    fn every_last_time_buy_reason_translates() {
        let falling: Vec<f64> = (0..24).map(|t| (10.0 - t as f64 * 0.4).max(0.0)).collect();
        let none = vec![0.0; 24];
        let mut seen = Vec::new();
        for history in [&falling, &none] {
            for events in [0.0, 7.0] {
                for target in [
                    ServiceTarget::FillRate(0.95),
                    ServiceTarget::CycleServiceLevel(0.9),
                ] {
                    let ltb = last_time_buy(&LastTimeBuyInput {
                        history,
                        window: 24,
                        remaining_periods: 30,
                        target,
                        available: 4.0,
                        event_demand: events,
                        unit: 1.0,
                        moq: 0.0,
                    });
                    let stored = format!("last-time buy before end of service: {}", ltb.reason);
                    let out = zh(&stored);
                    assert!(out.starts_with("停止服务前的末次采购："), "{out}");
                    seen.push(ltb.reason);
                }
            }
        }
        let joined = seen.join("\n");
        for family in [
            "expected demand",
            "no demand in the fitted history",
            "plus event demand",
        ] {
            assert!(joined.contains(family), "no {family} among {joined}");
        }
    }

    fn item() -> ItemParams {
        ItemParams {
            lead_time: 2,
            unit_cost: Nanos(10 * Nanos::PER_UNIT),
            order_cost: Nanos(5 * Nanos::PER_UNIT),
            holding_cost: None,
            moq: 0.0,
            unit: 1.0,
        }
    }

    /// Every why-text and netting reason `plan_item` writes: each demand class, each way
    /// the method is chosen (a contest, a single candidate, too little history, nothing
    /// to tell them apart), not stocked, manual levels, event demand and a last-time buy.
    #[test]
    fn every_plan_explanation_translates() {
        let n = 80;
        let series = |f: &dyn Fn(usize) -> f64| -> Vec<f64> { (0..n).map(f).collect() };
        let histories: Vec<Vec<f64>> = vec![
            series(&|_| 5.0),                                               // smooth
            series(&|t| [1.0, 9.0, 2.0, 14.0, 1.0][t % 5]),                 // erratic
            series(&|t| if t % 3 == 0 { 2.0 } else { 0.0 }),                // intermittent
            series(&|t| [0.0, 0.0, 12.0, 0.0, 1.0, 0.0, 0.0, 30.0][t % 8]), // lumpy
            series(&|t| if t + 3 >= n { 4.0 } else { 0.0 }),                // new
            series(&|t| if t < 20 { 3.0 } else { 0.0 }),                    // inactive
            vec![0.0; 40],
            vec![2.0],
            vec![],
        ];
        let default = PlanSettings::for_target(ServiceTarget::FillRate(0.95), 1);
        let mut single = default.clone();
        single.auto = AutoConfig {
            candidates: vec![Method::from_code("sba", &MethodParams::default()).unwrap()],
            ..AutoConfig::default()
        };
        let mut idle = default.clone();
        idle.spec.idle_limit = Some(13);
        let recall = [EventDemand {
            start: 0,
            periods: 4,
            affected_units: 100.0,
            replacement_rate: 0.05,
        }];
        let mut classes = BTreeSet::new();
        let mut whys = Vec::new();
        for y in &histories {
            for settings in [&default, &single, &idle] {
                for (manual, events, remaining, stock) in [
                    (None, &[][..], None, 0.0),
                    (None, &[][..], None, 500.0),
                    (
                        Some(ManualLevels {
                            min: 5.0,
                            max: Some(12.0),
                        }),
                        &recall[..],
                        Some(30),
                        1.0,
                    ),
                    (
                        Some(ManualLevels {
                            min: 5.0,
                            max: None,
                        }),
                        &[][..],
                        None,
                        0.0,
                    ),
                ] {
                    let p = plan_item(
                        &PlanInput {
                            history: y,
                            item: item(),
                            position: on_hand(stock),
                            manual,
                            remaining_service_periods: remaining,
                            events,
                            seed: 1,
                        },
                        settings,
                    );
                    classes.insert(p.class.code());
                    let zh_why = zh(&p.why);
                    assert!(zh_why.contains("需求"), "{zh_why}");
                    zh(&p.netting.reason);
                    zh(&format!("{} ({})", p.netting.reason, p.selection.method));
                    if let Some(ltb) = &p.last_time_buy {
                        zh(&format!(
                            "last-time buy before end of service: {}",
                            ltb.reason
                        ));
                    }
                    whys.push(p.why);
                    whys.push(p.netting.reason);
                }
            }
        }
        assert_eq!(classes.len(), 6, "every demand class: {classes:?}");
        for code in &classes {
            assert!(class_zh(code).is_some(), "{code}");
        }
        let joined = whys.join("\n");
        for family in [
            "has the lowest backtest error",
            "(backtest error",
            "too little history to backtest",
            "no demand where the backtest looked",
            "not stocked",
            "manual levels",
            "event demand",
        ] {
            assert!(joined.contains(family), "no {family} among {joined}");
        }
    }

    /// What the app adds to a why-text: the warehouse fill target (each way it can be met
    /// or missed, in the words `WarehouseFill::shortfall` gives) and the end of production.
    #[test]
    fn the_apps_additions_translate() {
        use aftercare_app::planning::WarehouseFill;
        let base = "smooth demand: ses has the lowest backtest error 0.300 (next: sba 0.310); chosen ses at 0.300";
        for (reached, replayed) in [
            (true, None),
            (false, None),
            (true, Some(0.931)),
            (false, Some(0.9)),
        ] {
            let fill = WarehouseFill {
                worth: 12.5,
                expected_fill: 0.95,
                parts: 40,
                reached,
                replayed_fill: replayed,
                replayed_periods: 26,
            };
            for bucket in ["week", "month"] {
                // As `plan_forecasted` in aftercare-app writes it.
                let replayed = fill.replayed_fill.map_or(String::new(), |r| {
                    format!(
                        "replayed over the last {} {bucket}s {:.1} %, ",
                        fill.replayed_periods,
                        r * 100.0
                    )
                });
                let why = format!(
                    "{base}; level from the warehouse's fill target {:.1} % over {} parts ({replayed}expected {:.1} %{}): a unit short for a {bucket} is valued at {} of stock",
                    95.0,
                    fill.parts,
                    fill.expected_fill * 100.0,
                    fill.shortfall().map_or(String::new(), |s| format!(", {s}")),
                    fill.worth_money()
                );
                zh(&why);
            }
        }
        assert_eq!(
            zh(&format!(
                "{base}; level from the warehouse's fill target 95.0 % over 40 parts (replayed over the last 26 weeks 93.1 %, expected 95.0 %): a unit short for a week is valued at 12.50 of stock"
            )),
            "平稳需求：ses 的回测误差最低，为 0.300（其次：sba 0.310）；选用 ses，误差 0.300；库存水平由本仓库 40 个备件的整体目标满足率 95.0 % 决定（最近 26 周历史回放 93.1 %，预期 95.0 %）：每周缺 1 件按 12.50 库存金额计"
        );
        for suffix in [
            "; past end of production and end of service: nothing to buy",
            "; past end of production: no purchase, and no last-time buy until an end of service is set",
            "; not stocked: no demand in the last 60 periods",
        ] {
            zh(&format!("{base}{suffix}"));
        }
        // Short past end of production with no last-time buy: the app's words, then the
        // last-time buy's own reason.
        for ltb in [
            "expected demand 0.8 over 120 periods (rate falling 9.5 % per period); cover 2 for the target, available 6: buy 0",
            "no demand in the fitted history, available 3: buy 0",
        ] {
            let why = format!(
                "{base}; {}; {ltb}",
                aftercare_app::planning::PAST_PRODUCTION_SHORT
            );
            assert!(zh(&why).contains("请人工核对"), "{why}");
        }
        // An open emergency a run updated: the run's reason after the emergency prefix.
        for reason in [
            "emergency requisition: manual levels; available 0 < reorder point 3; order up to 11: 11 (sba)",
            "emergency requisition: event demand 20 in the next 2 periods; available 1 < reorder point 25; order up to 30: 29 (combo(ses+sba))",
        ] {
            assert!(zh(reason).starts_with("急件请购："), "{reason}");
        }
    }
}
