//! Refusals and conflicts in Chinese. The app layer explains why it refused an action in
//! English with a stable code (`stock.insufficient`); pages in 简体中文 lead with what the
//! code means, translated here, and follow it with the particulars (quantities, numbers,
//! dates): in Chinese where they are one of the commonest refusals ([`PARTICULARS`]: a
//! shortage, a frozen stock, a ticket's status), else in English as the app wrote them.
//! An unknown code shows the English alone.

/// (code, what it means in Chinese).
const CONFLICTS: &[(&str, &str)] = &[
    ("conflict", "与现有数据冲突"),
    ("demo.not_empty", "数据库已有数据，演示数据只能载入空数据库"),
    ("fault_code.taken", "该故障代码已存在，或产品线不存在"),
    ("message_template.stale", "模板已被他人修改，请刷新后重试"),
    ("part.number_taken", "备件编号已存在"),
    ("part.substitute_declared", "该替代关系已登记"),
    ("planning.event_not_active", "需求事件不是生效状态"),
    (
        "planning.no_supplier",
        "该备件没有登记供应商，请先在备件主数据中添加",
    ),
    (
        "planning.proposal_being_approved",
        "建议正在批准中，不能驳回；再次批准即可完成",
    ),
    (
        "planning.proposal_changing",
        "批准期间建议不断变化，请刷新后重新批准",
    ),
    (
        "planning.proposal_not_open",
        "建议已不是待处理状态（已处理或已撤回）",
    ),
    (
        "planning.source_short",
        "发货仓库现有可发数量不足，暂不能批准",
    ),
    (
        "request.form_sent_before",
        "此表单已提交过，未重复创建（密钥只显示一次）",
    ),
    ("request.key_reused", "该请求键已用于另一项请求"),
    ("stock.already_counting", "其中有备件已在进行中的盘点里"),
    ("stock.approval_decided", "该审批已处理"),
    (
        "stock.approval_in_progress",
        "该审批正在执行，请刷新查看结果",
    ),
    ("stock.approval_required", "此操作需要审批"),
    (
        "stock.bad_lot",
        "批次无效（不存在、与备件或库位不符，或已存在）",
    ),
    ("stock.counts", "盘点数量有误"),
    (
        "stock.form_sent_before",
        "此表单已用其他内容提交过；请在本页重新填写后提交",
    ),
    ("stock.frozen", "盘点中，库存已冻结"),
    (
        "stock.idempotency_key_fenced",
        "该幂等键已作废（对应的审批已驳回）",
    ),
    ("stock.idempotency_key_reused", "该幂等键已用于另一项操作"),
    ("stock.insufficient", "库存不足"),
    ("stock.lot_insufficient", "该批次库存不足"),
    ("stock.purchase", "采购操作被拒绝"),
    ("stock.repair", "返修操作被拒绝"),
    ("stock.reservation", "预留被拒绝"),
    ("stock.reservation_mismatch", "预留与本次操作不符"),
    ("stock.reserved", "可用库存不足（部分库存已被预留）"),
    ("stock.scrap", "报废操作被拒绝"),
    ("stock.stocktake", "盘点操作被拒绝"),
    ("stock.transfer", "调拨操作被拒绝"),
    ("ticket.accept_window_open", "网点接单时限未到"),
    ("ticket.invalid_transition", "工单当前状态不允许此操作"),
    (
        "ticket.never_completed",
        "工单从未完工，不能重开；请新建工单",
    ),
    (
        "ticket.no_station",
        "工单不在网点手中，或没有可接此单的网点",
    ),
    ("ticket.no_technician", "请先指派技术员，再预约上门"),
    ("ticket.no_warehouse", "网点没有可用的网点仓库"),
    ("ticket.nothing_to_issue", "工单没有已预留待领用的备件"),
    ("ticket.number_exhausted", "工单号已用尽"),
    ("ticket.out_of_order", "操作时间早于工单的上一事件"),
    (
        "ticket.parts_key_reused",
        "该幂等键已用于本工单的另一次备件申请",
    ),
    ("ticket.parts_not_now", "工单当前状态不能申请或领用备件"),
    ("ticket.parts_waiting", "备件尚未全部到货"),
    ("ticket.reopen_window_closed", "已过重开期限，请新建工单"),
    ("ticket.return_received", "旧件已收回"),
    ("ticket.stale", "工单已被他人修改，请刷新后重试"),
    ("unit.serial_taken", "该序列号已登记"),
    ("user.login_taken", "该登录名已被使用"),
    ("webhook.disabled", "Webhook 已停用，请先启用再发送测试事件"),
];

/// The particulars of the commonest refusals, as the ledger and the ticket rules word them:
/// (English pattern, Chinese template); `{}` captures a value carried over as `{0}`, `{1}`,
/// …, a stock condition, ticket status or action code among them in words.
const PARTICULARS: &[(&str, &str)] = &[
    (
        "serial '{}' is already registered for this model",
        "序列号“{0}”已登记在该型号下",
    ),
    (
        "the defective part of obligation {} was already received",
        "返还义务 {0} 的旧件已收回",
    ),
    (
        "requested {}, only {} available (the rest is reserved)",
        "需要 {0} 件，只有 {1} 件可用（其余已预留）",
    ),
    (
        "requested {}, only {} available",
        "需要 {0} 件，只有 {1} 件可用",
    ),
    (
        "warehouse {}, {} stock holds only {} of part {}",
        "仓库 {0} 的{1}库存只有 {2} 件备件 {3}",
    ),
    ("stock is frozen by stocktake {}", "库存已被盘点单 {0} 冻结"),
    (
        "a transfer must go to another warehouse",
        "调拨必须发往另一个仓库",
    ),
    (
        "cannot {} a ticket that is {}; allowed: nothing (the ticket is final)",
        "工单状态为“{1}”时不能{0}；工单已结束，不能再操作",
    ),
    (
        "cannot {} a ticket that is {}; allowed: {}",
        "工单状态为“{1}”时不能{0}；可执行：{2}",
    ),
    ("login '{}' is taken", "登录名“{0}”已被使用"),
    // Transfers.
    ("a transfer needs at least one line", "调拨单至少需要一行"),
    (
        "the expected arrival is before the shipment",
        "预计到达时间早于发货时间",
    ),
    (
        "part {} in condition {} is listed twice",
        "备件 {0}（{1}）重复列出",
    ),
    (
        "part {} in condition {} is not on this transfer",
        "备件 {0}（{1}）不在该调拨单上",
    ),
    (
        "part {}: receiving {} but only {} in transit",
        "备件 {0}：收货 {1} 件，但只有 {2} 件在途",
    ),
    (
        "part {}: resolving {} but only {} missing",
        "备件 {0}：处理 {1} 件，但只缺 {2} 件",
    ),
    ("the transfer is closed", "该调拨单已关闭"),
    // Purchases, repairs, reservations, lots, stocktakes.
    (
        "a purchase order needs one line per part, each of at least one unit",
        "采购订单每个备件一行，每行至少 1 件",
    ),
    (
        "part {} is not on this purchase order",
        "备件 {0} 不在该采购订单上",
    ),
    (
        "receiving {} but only {} outstanding",
        "收货 {0} 件，但只有 {1} 件未收",
    ),
    (
        "the due date is before the parts are sent",
        "预计返回日期早于送修日期",
    ),
    (
        "the vendor holds only {} units under this order",
        "维修商在该维修单下只有 {0} 件",
    ),
    ("the reservation is no longer active", "该预留已失效"),
    (
        "a reservation must expire in the future",
        "预留的到期时间必须晚于现在",
    ),
    (
        "lot {} holds only {} at warehouse {}, {} stock",
        "批次 {0} 在仓库 {2} 的{3}库存只有 {1} 件",
    ),
    ("the stocktake is already approved", "盘点单已审批"),
    ("{} lines are not counted yet", "还有 {0} 行未盘点"),
    (
        "only a manager may approve a stocktake",
        "只有经理可以审批盘点",
    ),
    (
        "part {} is not part of this stocktake",
        "备件 {0} 不在本次盘点范围内",
    ),
    (
        "a stocktake of parts must name at least one part",
        "按备件盘点至少需要一个备件",
    ),
    ("there are no counts to enter", "没有可录入的盘点数"),
];

/// Captures of a [`PARTICULARS`] pattern that are codes the app wrote (a stock condition,
/// a ticket's action and status, its allowed actions), by pattern: every other capture is
/// a value as it stands (a login typed "good" stays “good”).
const CODED: &[(&str, &[usize])] = &[
    ("warehouse {}, {} stock holds only {} of part {}", &[1]),
    (
        "cannot {} a ticket that is {}; allowed: nothing (the ticket is final)",
        &[0, 1],
    ),
    ("cannot {} a ticket that is {}; allowed: {}", &[0, 1, 2]),
    ("part {} in condition {} is listed twice", &[1]),
    ("part {} in condition {} is not on this transfer", &[1]),
    ("lot {} holds only {} at warehouse {}, {} stock", &[3]),
];

/// A refusal's particulars in Chinese, when the message is one of [`PARTICULARS`];
/// `words` names a code (a condition, a status, an action) captured where [`CODED`] says
/// one stands, or returns it as it is.
pub fn particulars_zh(message: &str, words: impl Fn(&str) -> String) -> Option<String> {
    PARTICULARS.iter().find_map(|(pattern, zh)| {
        let values = super::reasons::captures(pattern, message)?;
        let coded = CODED
            .iter()
            .find(|(p, _)| p == pattern)
            .map_or(&[][..], |(_, at)| *at);
        Some(super::reasons::fill(
            zh,
            values.iter().enumerate().map(|(i, v)| {
                if coded.contains(&i) {
                    v.split(", ").map(&words).collect::<Vec<_>>().join("、")
                } else {
                    v.clone()
                }
            }),
        ))
    })
}

/// What a refusal's or conflict's code means in Chinese, if it is known.
pub fn conflict_zh(code: &str) -> Option<&'static str> {
    CONFLICTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, zh)| *zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commonest_particulars_read_in_chinese_with_codes_in_words() {
        let words = |code: &str| match code {
            "good" => "良品".to_string(),
            "accept" => "接单".to_string(),
            "completed" => "已完工".to_string(),
            "callback" => "回访".to_string(),
            "reopen" => "重新打开".to_string(),
            other => other.to_string(),
        };
        for (en, zh) in [
            (
                "requested 50, only 2 available",
                "需要 50 件，只有 2 件可用",
            ),
            (
                "requested 5, only 2 available (the rest is reserved)",
                "需要 5 件，只有 2 件可用（其余已预留）",
            ),
            (
                "warehouse WH-NORTHWEST, good stock holds only 1 of part MN-AD-00019",
                "仓库 WH-NORTHWEST 的良品库存只有 1 件备件 MN-AD-00019",
            ),
            ("stock is frozen by stocktake 33", "库存已被盘点单 33 冻结"),
            (
                "cannot accept a ticket that is completed; allowed: callback, reopen",
                "工单状态为“已完工”时不能接单；可执行：回访、重新打开",
            ),
            ("login 'admin' is taken", "登录名“admin”已被使用"),
            (
                "receiving 9 but only 5 outstanding",
                "收货 9 件，但只有 5 件未收",
            ),
            (
                "lot 330325 holds only 3 at warehouse 1, good stock",
                "批次 330325 在仓库 1 的良品库存只有 3 件",
            ),
            (
                "part 7: resolving 5 but only 2 missing",
                "备件 7：处理 5 件，但只缺 2 件",
            ),
            (
                "part 7 in condition good is not on this transfer",
                "备件 7（良品）不在该调拨单上",
            ),
        ] {
            assert_eq!(particulars_zh(en, words).as_deref(), Some(zh), "{en}");
        }
        assert_eq!(particulars_zh("something else happened", words), None);
        // A value as typed is not taken for a code.
        assert_eq!(
            particulars_zh("login 'good' is taken", words).as_deref(),
            Some("登录名“good”已被使用")
        );
        // Every coded pattern is one of the patterns.
        for (p, _) in CODED {
            assert!(PARTICULARS.iter().any(|(q, _)| q == p), "{p}");
        }
    }

    #[test]
    fn codes_are_listed_once_in_order() {
        let codes: Vec<&str> = CONFLICTS.iter().map(|(c, _)| *c).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "sorted and unique");
        assert_eq!(conflict_zh("stock.insufficient"), Some("库存不足"));
        assert_eq!(conflict_zh("stock.nonsense"), None);
    }

    /// Every code the app and the ticket domain raise has a translation: the codes are
    /// read from their sources (`code: "…"`, `refused("…"`, `conflict(` followed by the
    /// code, and the ticket transition errors' `=> "ticket.…"`), so a new code without one
    /// fails here.
    #[test]
    fn every_code_raised_is_translated() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs = vec![root.join("aftercare-app/src")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let transitions = root.join("aftercare-domain/src/ticket/error.rs");
        files.push(transitions.clone());
        // Transition errors the app turns into 403, 422 and 500 rather than conflicts.
        let not_conflicts = [
            "ticket.forbidden_action",
            "ticket.invalid_input",
            "ticket.inconsistent",
        ];
        let mut missing = Vec::new();
        let mut found = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let tokens: Vec<&str> = text.split('"').collect();
            // Odd positions are inside quotes; the code is the literal after a marker.
            for i in (1..tokens.len()).step_by(2) {
                let before = tokens[i - 1].trim_end();
                let marked = before.ends_with("code:")
                    || before.ends_with("refused(")
                    || before.ends_with("conflict(")
                    || (f == transitions && before.ends_with("=>"));
                let code = tokens[i];
                let shaped = code.contains('.')
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                if marked && shaped && !code.starts_with("auth.") && !not_conflicts.contains(&code)
                {
                    found += 1;
                    if conflict_zh(code).is_none() && !missing.contains(&code.to_string()) {
                        missing.push(code.to_string());
                    }
                }
            }
        }
        assert!(found > 40, "only {found} codes found: the scan is broken");
        assert!(
            missing.is_empty(),
            "codes without a Chinese meaning: {missing:?}"
        );
    }
}
