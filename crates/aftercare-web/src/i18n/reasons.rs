//! Validation messages in Chinese. The domain and app layers explain a bad field in
//! English (`must not be empty`); pages in 简体中文 show the same reason translated here.
//! A pattern's `{}` captures a value that is carried over into the translation as `{0}`,
//! `{1}`, …; a reason no pattern matches is shown as it is.

/// (English pattern, Chinese template).
const REASONS: &[(&str, &str)] = &[
    ("must not be empty", "不能为空"),
    // Phones, serials and intake.
    ("is empty", "为空"),
    (
        "contains '{}', which is not a digit or separator",
        "含有“{0}”，不是数字或分隔符",
    ),
    (
        "is not a Chinese number (country code other than +86)",
        "不是中国号码（国家代码不是 +86）",
    ),
    (
        "is not a landline (area code + 7 or 8 digits)",
        "不是固定电话（区号 + 7 或 8 位号码）",
    ),
    (
        "needs the area code (e.g. 010 or 0755)",
        "需要区号（例如 010 或 0755）",
    ),
    (
        "is a 400/800 service number, not a customer's phone",
        "是 400/800 客服号码，不是客户电话",
    ),
    (
        "has an empty or non-numeric extension",
        "分机号为空或不是数字",
    ),
    (
        "may contain only letters, digits, '-', '/' or '.', found '{}'",
        "只能包含字母、数字、“-”、“/”或“.”，发现“{0}”",
    ),
    (
        "may contain only letters A-Z, digits, '-', '.' and '/', found '{}'",
        "只能包含字母 A-Z、数字、“-”、“.”和“/”，发现“{0}”",
    ),
    (
        "unit {} does not belong to customer {}",
        "机器 {0} 不属于客户 {1}",
    ),
    ("the address is another customer's", "该地址属于其他客户"),
    ("has no digits", "没有数字"),
    (
        "'{}' is not a ticket number (expected e.g. T20261122-000123)",
        "“{0}”不是工单号（例如 T20261122-000123）",
    ),
    (
        "assign a technician before booking a visit",
        "预约上门前请先指派技术员",
    ),
    (
        "a false completion cannot be marked as fixed",
        "虚假完工不能标记为已修复",
    ),
    (
        "used ({}) plus returned unused ({}) must equal the {} units issued",
        "已用（{0}）加退回未用（{1}）必须等于已发放的 {2} 件",
    ),
    (
        "the ticket has no reserved parts to issue (lines awaiting a manager's approval are issued by the approval)",
        "该工单没有可发放的预留备件（待经理审批的行由审批发放）",
    ),
    (
        "{} issued part line(s) are not settled: complete the repair with the parts used and returned per line",
        "有 {0} 行已发放的备件未结算：请按行填写已用和退回数量后完工",
    ),
    // A query, path or form value the reader refused (serde's words).
    ("duplicate field `{}`", "字段 `{0}` 重复"),
    ("missing field `{}`", "缺少字段 `{0}`"),
    (
        "unknown field `{}`, expected one of {}",
        "未知字段 `{0}`，可选：{1}",
    ),
    (
        "unknown variant `{}`, expected one of {}",
        "未知取值 `{0}`，可选：{1}",
    ),
    ("invalid digit found in string", "不是有效的整数"),
    ("cannot parse integer from empty string", "不能为空"),
    ("number too large to fit in target type", "数字过大"),
    ("number too small to fit in target type", "数字过小"),
    ("invalid float literal", "不是有效的数字"),
    (
        "provided string was not `true` or `false`",
        "必须是 true 或 false",
    ),
    // Tickets (actions, parts, intake).
    ("is required", "必填"),
    (
        "is required to request parts (a retry with the same key adds nothing)",
        "申请备件时必填（用同一个键重试不会重复添加）",
    ),
    ("is required to {}", "{0}时必填"),
    ("the slot has already passed", "该时段已经过去"),
    (
        "the end of the slot must be after its start",
        "时段的结束时间必须晚于开始时间",
    ),
    (
        "a visit slot may last at most {} hours",
        "上门时段最长 {0} 小时",
    ),
    (
        "a visit may be booked at most {} days ahead",
        "最多只能预约 {0} 天以内的上门",
    ),
    ("must be 1 to {} hours", "必须为 1 到 {0} 小时"),
    ("must be 0 to 100000", "必须在 0 到 100000 之间"),
    ("must be 1 to 5, got {}", "必须在 1 到 5 之间，实际为 {0}"),
    (
        "must be 1 to {} units (got {})",
        "必须为 1 到 {0} 件（实际为 {1}）",
    ),
    ("must be {} to {} characters", "必须为 {0} 到 {1} 个字符"),
    (
        "is not a mobile number (11 digits starting 13-19), got {} digits",
        "不是手机号码（以 13–19 开头的 11 位数字），实际为 {0} 位",
    ),
    ("'{}' is not a date", "“{0}”不是日期"),
    (
        "technician {} does not work for the ticket's station",
        "技术员 {0} 不属于该工单的网点",
    ),
    ("technician {} is not active", "技术员 {0} 已停用"),
    (
        "station {} does not cover this ticket's region",
        "网点 {0} 不覆盖该工单所在区域",
    ),
    ("there is no part '{}'", "没有备件“{0}”"),
    (
        "must not contain control characters (U+{} at character {})",
        "不能包含控制字符（第 {1} 个字符 U+{0}）",
    ),
    // The part master (its import and form).
    (
        "must be buy, make or repair (外购/自制/修复)",
        "必须是 buy（外购）、make（自制）或 repair（修复）",
    ),
    (
        "must be key or normal (关键/一般)",
        "必须是 key（关键）或 normal（一般）",
    ),
    ("address {} does not exist", "地址 {0} 不存在"),
    ("fault code {} does not exist", "故障代码 {0} 不存在"),
    (
        "fault code {} belongs to another product line",
        "故障代码 {0} 属于其他产品线",
    ),
    ("product model {} does not exist", "产品型号 {0} 不存在"),
    ("region {} does not exist", "区域 {0} 不存在"),
    ("unit {} does not exist", "机器 {0} 不存在"),
    (
        "an event needs a name, e.g. the recall's",
        "需求事件需要名称，例如召回的名称",
    ),
    (
        "'{}' is not a date like 2026-11-22",
        "“{0}”不是日期（例如 2026-11-22）",
    ),
    ("'{}' is not a date and time", "“{0}”不是日期时间"),
    ("'{}' has more than six decimal places", "“{0}”超过六位小数"),
    (
        "the ticket can only be reopened until {}; open a new ticket instead",
        "工单只能在 {0} 之前重新打开；请新建工单",
    ),
    ("\"{}\" is not a whole percentage", "“{0}”不是整数百分比"),
    // Stock operations.
    ("must be at least 1 unit", "至少 1 件"),
    ("must be at most {} units a line", "每行最多 {0} 件"),
    ("must be at most {} units", "最多 {0} 件"),
    (
        "'{}' is not a date YYYY-MM-DD",
        "“{0}”不是日期（格式 YYYY-MM-DD）",
    ),
    ("{} is in the future", "{0} 晚于今天"),
    ("must be a number", "必须是数字"),
    ("unknown operation '{}'", "未知操作“{0}”"),
    (
        "the header must have part_number, condition and counted",
        "表头必须包含 part_number、condition 和 counted",
    ),
    ("quantity {} is negative", "数量 {0} 为负数"),
    ("unknown condition '{}'", "未知库存状态“{0}”"),
    ("unknown scrap reason", "未知报废原因"),
    ("unknown part '{}'", "未知备件“{0}”"),
    // Lifecycle (successions, events).
    (
        "{} is not a percentage from 1 to 100",
        "{0} 不是 1 到 100 之间的百分比",
    ),
    ("a part cannot succeed itself", "备件不能接替自身"),
    (
        "{} is out of use: it cannot take over another part's uses",
        "{0} 已停用：不能接替其他备件的用途",
    ),
    (
        "{} reached its end of production on {}: it can no longer be bought, so it cannot take over another part's uses",
        "{0} 已于 {1} 停产：无法再采购，不能接替其他备件的用途",
    ),
    (
        "{} already leads back to {} through its own successors: successions may not loop",
        "{0} 经由其接替备件又回到 {1}：接替关系不能成环",
    ),
    (
        "{} affected units: must be above 0 and at most {}",
        "受影响台数 {0}：必须大于 0 且不超过 {1}",
    ),
    (
        "'{}' is not a decimal number such as 0.02",
        "“{0}”不是小数（例如 0.02）",
    ),
    ("\"{}\" is not a whole number", "“{0}”不是整数"),
    ("must be at most {} characters", "最多 {0} 个字符"),
    ("must be at least {} characters", "至少 {0} 个字符"),
    (
        "must contain only letters, digits, '-', '_' or '.', found '{}'",
        "只能包含字母、数字、“-”“_”或“.”，发现了“{0}”",
    ),
    ("'{}' is not an IANA time zone", "“{0}”不是有效的 IANA 时区"),
    (
        "must be a three-letter ISO 4217 code such as CNY",
        "必须是三个字母的 ISO 4217 币种代码，例如 CNY",
    ),
    ("no {} with code '{}'", "没有编码为“{1}”的{0}"),
    ("no user '{}'", "没有用户“{0}”"),
    ("no technician with code '{}'", "没有编码为“{0}”的技术员"),
    (
        "only technician users have a technician record",
        "只有技术员账号才能关联技术员",
    ),
    ("this role is not bound to a {}", "该角色不绑定{0}"),
    ("this role must be bound to a {}", "该角色必须绑定{0}"),
    (
        "unknown role '{}' (expected one of: {})",
        "未知角色“{0}”（可选：{1}）",
    ),
    ("{} is not a number", "{0} 不是数字"),
    ("must be at least one minute", "至少 1 分钟"),
    ("must be at most one year", "最多一年"),
    (
        "must not be longer than the completion window",
        "不能长于完工时限",
    ),
    ("must be between 1 and 100", "必须在 1 到 100 之间"),
    (
        "must be item, warehouse or warehouse_history, got \"{}\"",
        "必须是 item（每个备件）、warehouse（每个仓库整体）或 warehouse_history（每个仓库整体，按历史回放校准），收到“{0}”",
    ),
    (
        "must be week or month, got \"{}\"",
        "必须是 week（周）或 month（月），收到“{0}”",
    ),
    (
        "must be between 1 minute and one year",
        "必须在 1 分钟到一年之间",
    ),
    ("must be between 1 and 3660 days", "必须在 1 到 3660 天之间"),
    ("'{}' is not a whole number", "“{0}”不是整数"),
    (
        "'{}' is not an amount (expected digits with at most two decimals, e.g. 12.50)",
        "“{0}”不是金额（数字，最多两位小数，例如 12.50）",
    ),
    ("'{}' is too large", "“{0}”太大"),
    (
        "the event ends before it starts",
        "事件的结束日期早于开始日期",
    ),
    (
        "the event ended on {}, before today ({}): it would add no demand",
        "事件已于 {0} 结束，早于今天（{1}）：不会增加任何需求",
    ),
    (
        "must be between 0 and {} minor units ({}), got {} ({})",
        "必须在 0 到 {1} 之间（{0} 分），实际为 {3}（{2} 分）",
    ),
    (
        "must be between 1 and 100 (percent of standard cost per year), got {}",
        "必须在 1 到 100 之间（标准成本的年百分比），实际为 {0}",
    ),
    ("a rejection needs a reason", "驳回需要填写原因"),
    (
        "must be between 4 and 520, got {}",
        "必须在 4 到 520 之间，实际为 {0}",
    ),
    (
        "must be between 0.5 and 0.999 (a fraction), got {}; write {} or {}%",
        "必须在 0.5 到 0.999 之间（小数），实际为 {0}；请写 {1} 或 {2}%",
    ),
    (
        "must be between 0.5 and 0.999, got {}",
        "必须在 0.5 到 0.999 之间，实际为 {0}",
    ),
    (
        "must be between 0 and 365, got {}",
        "必须在 0 到 365 之间，实际为 {0}",
    ),
    (
        "must be open, approved, rejected or withdrawn, got \"{}\"",
        "必须是 open（待审批）、approved（已批准）、rejected（已驳回）或 withdrawn（已撤回），收到“{0}”",
    ),
    (
        "must be purchase, transfer, last_time_buy, emergency or return, got \"{}\"",
        "必须是 purchase（采购）、transfer（调拨）、last_time_buy（停产后、停止服务前的末次采购）、emergency（急件请购）或 return（退回上级仓），收到“{0}”",
    ),
    (
        "must be can_fill or short, got \"{}\"",
        "必须是 can_fill（货源充足）或 short（货源不足），收到“{0}”",
    ),
    (
        "must be between 1 and 5000, got {}",
        "必须在 1 到 5000 之间，实际为 {0}",
    ),
    ("no warehouse with id {}", "没有 ID 为 {0} 的仓库"),
    ("select at least one proposal", "至少选择一条建议"),
    (
        "at most {} proposals at once ({} asked)",
        "一次最多 {0} 条建议（所选 {1} 条）",
    ),
    ("'{}' is not a proposal id", "“{0}”不是建议 ID"),
    ("no part numbered '{}'", "没有编号为“{0}”的备件"),
    (
        "must be newest, need_by, value, warehouse or part, got \"{}\"",
        "必须是 newest（最近更新）、need_by（需求日期最早）、value（金额最大）、warehouse（按仓库）或 part（按备件编号），收到“{0}”",
    ),
    ("unknown movement kind '{}'", "未知流水类型“{0}”"),
    (
        "'{}' is not a date (YYYY-MM-DD)",
        "“{0}”不是日期（YYYY-MM-DD）",
    ),
    ("must be at most {}, got {}", "最多 {0}，实际为 {1}"),
    ("'{}' is not a number of hours", "“{0}”不是有效的小时数"),
    (
        "'{}' hours is not a whole number of minutes",
        "“{0}”小时不是整分钟",
    ),
    (
        "must be an http:// or https:// URL with a host, without spaces",
        "必须是带主机名、不含空格的 http:// 或 https:// 地址",
    ),
    ("name at least one event, or *", "至少选择一个事件，或 *"),
    ("unknown event '{}'; known: {}", "未知事件“{0}”；可选：{1}"),
    ("must be zh-CN or en", "必须是 zh-CN 或 en"),
    (
        "unknown placeholder {} at character {}; known: {}",
        "第 {1} 个字符处的占位符 {0} 不存在；可用：{2}",
    ),
    (
        "unclosed '{' at character {}: close the placeholder with } or write {{ for a literal brace",
        "第 {0} 个字符处的“{”没有闭合：请用 } 结束占位符，或写 {{ 表示花括号本身",
    ),
    (
        "unmatched '}' at character {}: write }} for a literal brace",
        "第 {0} 个字符处的“}”没有对应的“{”：写 }} 表示花括号本身",
    ),
    // Last: a range no pattern above words more exactly (with what was typed, in days, or
    // bare).
    (
        "must be between {} and {}, got {}",
        "必须在 {0} 到 {1} 之间，实际为 {2}",
    ),
    ("must be between {} and {} days", "必须在 {0} 到 {1} 天之间"),
    ("must be between {} and {}", "必须在 {0} 到 {1} 之间"),
    // Last too: a code no pattern above names more exactly (`unknown role '…'` has its own).
    (
        "unknown {} '{}' (expected one of: {})",
        "未知的{0}“{1}”（可选：{2}）",
    ),
];

/// Field names as the forms label them.
const FIELDS: &[(&str, &str)] = &[
    ("login", "登录名"),
    ("password", "密码"),
    ("display_name", "姓名"),
    ("role", "角色"),
    ("station", "网点"),
    ("technician", "技术员"),
    ("brand", "品牌"),
    ("name", "名称"),
    ("code", "编码"),
    ("company_name", "公司名称"),
    ("time_zone", "时区"),
    ("currency", "币种"),
    ("default_language", "默认语言"),
    ("target_fill", "目标满足率"),
    ("periods", "周期数"),
    ("transfer_days", "调拨在途天数"),
    ("bucket", "周期"),
    ("purchase_order_cost", "采购订货费用"),
    ("transfer_cost", "调拨费用"),
    ("holding_rate_pct", "年持有成本率"),
    ("allocation", "目标满足率适用于"),
    ("reason", "原因"),
    ("ids", "所选建议"),
    ("warehouse", "仓库"),
    ("status", "状态"),
    ("kind", "类型"),
    ("part", "备件"),
    ("source", "货源"),
    ("offset", "起始行"),
    ("limit", "每页行数"),
    ("url", "接收地址"),
    ("events", "事件"),
    ("secret", "签名密钥"),
    ("language", "消息语言"),
    ("sla.urban.first_response", "城区首次响应"),
    ("sla.urban.on_site", "城区上门"),
    ("sla.urban.completion", "城区完工"),
    ("sla.township.first_response", "乡镇首次响应"),
    ("sla.township.on_site", "乡镇上门"),
    ("sla.township.completion", "乡镇完工"),
    ("sla.remote.first_response", "偏远首次响应"),
    ("sla.remote.on_site", "偏远上门"),
    ("sla.remote.completion", "偏远完工"),
    ("sla.at_risk_percent", "预警比例"),
    ("accept_timeout_minutes", "网点接单时限"),
    ("repeat_window.days", "二次返修判定期"),
    ("body", "模板正文"),
    ("action", "操作"),
    ("actions_taken", "维修措施"),
    ("resolution", "处理结果"),
    ("appointment", "预约时段"),
    ("appointment_start", "预约开始时间"),
    ("appointment_end", "预约结束时间"),
    ("labour_minutes", "工时（分钟）"),
    ("fixed", "是否修复"),
    ("satisfaction", "满意度"),
    ("comments", "回访意见"),
    ("false_completion", "虚假完工"),
    ("part_number", "备件编号"),
    ("fault_description", "故障描述"),
    ("serial", "序列号"),
    ("purchase_date", "购买日期"),
    ("qty", "数量"),
    ("condition", "库存状态"),
    ("counted", "盘点数量"),
    ("consumer_id", "领用单据号"),
    ("share_pct", "份额"),
    ("predecessor", "被接替备件"),
    ("successor", "接替备件"),
    ("affected_units", "受影响台数"),
    ("replacement_rate", "单台更换数"),
    ("starts_on", "开始日期"),
    ("ends_on", "结束日期"),
    ("supplier", "供应商"),
    ("order", "订单"),
    ("lot", "批次"),
    ("transfer", "调拨单"),
    ("eta_days", "预计在途天数"),
    ("accept", "合格数量"),
    ("reject", "不合格数量"),
    // The movement filter's dates and a transfer's destination alike, as their forms label them.
    ("to", "到"),
    ("request", "报废申请"),
    ("stocktake", "盘点单"),
    ("consumer", "领用对象"),
    ("vendor", "维修商"),
    ("due_days", "预计返回天数"),
    ("command", "操作"),
    ("months", "未领用月数"),
    ("sort", "排序"),
    ("from", "从"),
    // Actions a missing field is required for ("is required to {}").
    ("ticket type", "工单类型"),
    ("ticket status", "工单状态"),
    ("purchase channel", "购买渠道"),
    ("purchase_channel", "购买渠道"),
    ("model", "型号"),
    ("unit", "机器"),
    ("warehouse_id", "仓库"),
    ("date", "日期"),
    ("channel", "渠道"),
    ("priority", "优先级"),
    ("ticket action", "工单操作"),
    ("ticket_type", "工单类型"),
    ("fault_code", "故障代码"),
    ("address", "地址"),
    ("dispatch", "派单"),
    ("assign_technician", "指派技术员"),
    ("schedule", "预约"),
    ("callback", "回访"),
    ("complete", "完工"),
    // Parts of field paths (`phones[0]`, `lines[0].qty`, `parts[0]`).
    ("phones", "电话"),
    ("phone", "电话"),
    ("lines", "行"),
    ("parts", "备件行"),
    ("addresses", "地址"),
    ("region", "地区"),
    ("detail", "详细地址"),
    ("number", "工单号"),
    ("customer", "客户"),
    ("duration_hours", "时长（小时）"),
];

/// A field path in words: `phones[0]` → "电话（第 1 个）", `lines[2].qty` → "行（第 3 个）数量";
/// a name no table knows stays as it is.
pub fn field_path_zh(path: &str) -> String {
    if FIELDS.iter().any(|(k, _)| *k == path) {
        return field_zh(path).to_string();
    }
    let segments: Vec<(String, bool)> = path
        .split('.')
        .map(|segment| match segment.split_once('[') {
            Some((name, rest)) => match rest.trim_end_matches(']').parse::<usize>() {
                Ok(i) => (format!("{}（第 {} 个）", field_zh(name), i + 1), true),
                Err(_) => (segment.to_string(), false),
            },
            None => {
                let zh = field_zh(segment);
                (zh.to_string(), zh != segment)
            }
        })
        .collect();
    // Words run together; a name left as it is keeps its dot.
    let mut out = String::new();
    for (k, (words, known)) in segments.iter().enumerate() {
        if k > 0 && !(*known && segments[k - 1].1) {
            out.push('.');
        }
        out.push_str(words);
    }
    out
}

/// The Chinese label of a field, or the field name itself (one name; [`field_path_zh`]
/// for paths).
pub fn field_zh(field: &str) -> &str {
    FIELDS
        .iter()
        .find(|(k, _)| *k == field)
        .map_or(field, |(_, zh)| zh)
}

/// Patterns whose first capture is a name the code wrote (an entity, an action), put in
/// words; every other capture is a value as typed and kept as it is (a user who typed
/// "to" into a number box reads “to”, not a field's name).
const NAMING: &[&str] = &[
    "is required to {}",
    "unknown {} '{}' (expected one of: {})",
    "no {} with code '{}'",
    "this role is not bound to a {}",
    "this role must be bound to a {}",
];

/// The Chinese translation of a reason, if a pattern matches it.
pub fn reason_zh(reason: &str) -> Option<String> {
    REASONS.iter().find_map(|(pattern, zh)| {
        let values = captures(pattern, reason)?;
        Some(fill(
            zh,
            values.iter().enumerate().map(|(i, v)| {
                if i == 0 && NAMING.contains(pattern) {
                    field_zh(v)
                } else {
                    v.as_str()
                }
            }),
        ))
    })
}

/// `template` with `{0}`, `{1}`, … replaced by `values` in order.
pub(crate) fn fill<S: AsRef<str>>(template: &str, values: impl IntoIterator<Item = S>) -> String {
    let mut out = template.to_string();
    for (i, v) in values.into_iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), v.as_ref());
    }
    out
}

/// The values `{}` stands for when `text` matches `pattern` as a whole.
pub(crate) fn captures(pattern: &str, text: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = text.strip_prefix(parts[0])?;
    let mut values = Vec::new();
    for (i, lit) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let at = if last {
            if !rest.ends_with(lit) {
                return None;
            }
            rest.len() - lit.len()
        } else {
            rest.find(lit)?
        };
        values.push(rest[..at].to_string());
        rest = &rest[at + lit.len()..];
    }
    (parts.len() == 1 && rest.is_empty() || parts.len() > 1).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_and_intake_reasons_read_in_chinese() {
        assert_eq!(field_path_zh("phones[0]"), "电话（第 1 个）");
        assert_eq!(field_path_zh("lines[2].qty"), "行（第 3 个）数量");
        assert_eq!(field_path_zh("sla.urban.on_site"), "城区上门");
        assert_eq!(field_path_zh("odd[x]"), "odd[x]");
        assert_eq!(
            field_path_zh("webhooks.extra_ca_file"),
            "webhooks.extra_ca_file"
        );
        assert_eq!(field_path_zh("lines[0].part_id"), "行（第 1 个）.part_id");
        for (en, zh) in [
            (
                "is not a landline (area code + 7 or 8 digits)",
                "不是固定电话（区号 + 7 或 8 位号码）",
            ),
            (
                "unit 5528 does not belong to customer 5529",
                "机器 5528 不属于客户 5529",
            ),
            (
                "used (1) plus returned unused (0) must equal the 2 units issued",
                "已用（1）加退回未用（0）必须等于已发放的 2 件",
            ),
        ] {
            assert_eq!(reason_zh(en).unwrap(), zh, "{en}");
        }
        // Every phone refusal reads in Chinese.
        for bad in [
            "",
            "12a",
            "+44 20 7946 0958",
            "4008123123",
            "12345678",
            "010-1234",
        ] {
            if let Err(e) = aftercare_domain::phone::PhoneNumber::parse(bad) {
                assert!(reason_zh(&e.to_string()).is_some(), "{bad}: {e}");
            }
        }
    }

    #[test]
    fn the_readers_refusals_of_a_parameter_read_in_chinese() {
        for (en, zh) in [
            ("duplicate field `qty`", "字段 `qty` 重复"),
            ("missing field `q`", "缺少字段 `q`"),
            ("invalid digit found in string", "不是有效的整数"),
            (
                "unknown variant `fly`, expected one of `a`, `b`",
                "未知取值 `fly`，可选：`a`, `b`",
            ),
        ] {
            assert_eq!(reason_zh(en).unwrap(), zh, "{en}");
        }
    }

    #[test]
    fn reasons_translate_with_their_values() {
        assert_eq!(reason_zh("must not be empty").unwrap(), "不能为空");
        // Tickets, stock operations and lifecycle, as a Chinese page shows them.
        for (en, zh) in [
            ("is required", "必填"),
            ("is required to schedule", "预约时必填"),
            ("is required to callback", "回访时必填"),
            ("the slot has already passed", "该时段已经过去"),
            (
                "must be 1 to 1000 units (got 0)",
                "必须为 1 到 1000 件（实际为 0）",
            ),
            ("must be 4 to 64 characters", "必须为 4 到 64 个字符"),
            (
                "is not a mobile number (11 digits starting 13-19), got 3 digits",
                "不是手机号码（以 13–19 开头的 11 位数字），实际为 3 位",
            ),
            ("'notadate' is not a date", "“notadate”不是日期"),
            (
                "technician 99999 does not work for the ticket's station",
                "技术员 99999 不属于该工单的网点",
            ),
            ("quantity -3 is negative", "数量 -3 为负数"),
            ("unknown condition 'bogus'", "未知库存状态“bogus”"),
            (
                "150 is not a percentage from 1 to 100",
                "150 不是 1 到 100 之间的百分比",
            ),
            ("\"abc\" is not a whole number", "“abc”不是整数"),
            (
                "must not contain control characters (U+001B at character 3)",
                "不能包含控制字符（第 3 个字符 U+001B）",
            ),
            ("must be at most 500 characters", "最多 500 个字符"),
        ] {
            assert_eq!(reason_zh(en).as_deref(), Some(zh), "{en}");
        }
        assert_eq!(field_zh("actions_taken"), "维修措施");
        // A typed value that happens to be a field's name stays as typed.
        assert_eq!(
            reason_zh("'to' is not a whole number").unwrap(),
            "“to”不是整数"
        );
        assert_eq!(reason_zh("must be at least 1 unit").unwrap(), "至少 1 件");
        assert_eq!(
            reason_zh("must be between 0 and 100000000, got -1").unwrap(),
            "必须在 0 到 100000000 之间，实际为 -1"
        );
        assert_eq!(
            reason_zh("must be between 0 and 3650 days").unwrap(),
            "必须在 0 到 3650 天之间"
        );
        assert_eq!(
            reason_zh("must be between 1 and 120").unwrap(),
            "必须在 1 到 120 之间"
        );
        assert_eq!(
            reason_zh("unknown ticket type 'bogus' (expected one of: repair, install)").unwrap(),
            "未知的工单类型“bogus”（可选：repair, install）"
        );
        assert_eq!(
            reason_zh("fault code 999999 does not exist").unwrap(),
            "故障代码 999999 不存在"
        );
        assert_eq!(
            reason_zh("at most 5000 proposals at once (5001 asked)").unwrap(),
            "一次最多 5000 条建议（所选 5001 条）"
        );
        assert_eq!(
            reason_zh("'x1' is not a proposal id").unwrap(),
            "“x1”不是建议 ID"
        );
        assert_eq!(
            reason_zh("must be at most 64 characters").unwrap(),
            "最多 64 个字符"
        );
        assert_eq!(
            reason_zh("no station with code 'GZ-9'").unwrap(),
            "没有编码为“GZ-9”的网点"
        );
        assert_eq!(
            reason_zh("must contain only letters, digits, '-', '_' or '.', found ' '").unwrap(),
            "只能包含字母、数字、“-”“_”或“.”，发现了“ ”"
        );
        // The planning run's choices, as `AppError::invalid` words them.
        let allocation = aftercare_app::planning::Allocation::from_field("region").unwrap_err();
        let aftercare_app::AppError::Invalid(fields) = allocation else {
            panic!("{allocation:?}")
        };
        assert_eq!(
            reason_zh(&fields[0].reason).unwrap(),
            "必须是 item（每个备件）、warehouse（每个仓库整体）或 warehouse_history（每个仓库整体，按历史回放校准），收到“region”"
        );
        assert_eq!(
            reason_zh("must be week or month, got \"day\"").unwrap(),
            "必须是 week（周）或 month（月），收到“day”"
        );
        assert!(reason_zh("must not be empty, really").is_none());
        assert!(reason_zh("something new").is_none());
    }

    /// Every reason the foundation's forms can produce has a Chinese translation.
    #[test]
    fn the_shell_forms_reasons_are_all_translated() {
        let samples = [
            aftercare_domain::validate::code("login", "").unwrap_err(),
            aftercare_domain::validate::code("login", "a b").unwrap_err(),
            aftercare_domain::validate::code("login", &"x".repeat(65)).unwrap_err(),
            aftercare_domain::validate::name("display_name", "").unwrap_err(),
            aftercare_domain::validate::name("display_name", &"名".repeat(201)).unwrap_err(),
        ];
        for e in samples {
            assert!(reason_zh(&e.reason).is_some(), "untranslated: {}", e.reason);
        }
        for r in [
            "must be at least 8 characters",
            "'Mars/Base' is not an IANA time zone",
            "must be a three-letter ISO 4217 code such as CNY",
            "no user 'ghost'",
            "no brand with code 'X'",
            "this role must be bound to a station",
            "this role is not bound to a brand",
            "only technician users have a technician record",
            &aftercare_domain::Role::parse("boss")
                .unwrap_err()
                .to_string(),
        ] {
            assert!(reason_zh(r).is_some(), "untranslated: {r}");
        }
    }

    #[test]
    fn successor_and_line_limit_refusals_read_in_chinese() {
        assert_eq!(
            reason_zh(
                "TV-PB-2 reached its end of production on 2026-12-08: it can no longer be \
                 bought, so it cannot take over another part's uses"
            )
            .unwrap(),
            "TV-PB-2 已于 2026-12-08 停产：无法再采购，不能接替其他备件的用途"
        );
        assert_eq!(
            reason_zh("TV-PB-3 is out of use: it cannot take over another part's uses").unwrap(),
            "TV-PB-3 已停用：不能接替其他备件的用途"
        );
        assert_eq!(
            reason_zh("must be at most 1000000000 units a line").unwrap(),
            "每行最多 1000000000 件"
        );
        for (en, zh) in [
            (
                "'xx' is not a date YYYY-MM-DD",
                "“xx”不是日期（格式 YYYY-MM-DD）",
            ),
            ("2027-01-01 is in the future", "2027-01-01 晚于今天"),
            ("must be at most 1000000000 units", "最多 1000000000 件"),
            ("unknown operation 'teleport'", "未知操作“teleport”"),
        ] {
            assert_eq!(reason_zh(en).unwrap(), zh);
        }
    }
}
