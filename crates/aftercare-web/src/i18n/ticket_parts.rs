//! Translations of the parts section of the ticket page.

/// (key, 简体中文, English) for ticket parts.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("ticket_parts.title", "备件", "Parts"),
    (
        "ticket_parts.none",
        "尚未申请备件。",
        "No parts requested yet.",
    ),
    ("ticket_parts.part", "备件", "Part"),
    ("ticket_parts.part_number", "备件编号", "Part number"),
    ("ticket_parts.qty", "数量", "Qty"),
    ("ticket_parts.state", "状态", "State"),
    ("ticket_parts.used", "已用", "Used"),
    ("ticket_parts.returned", "退回未用", "Returned unused"),
    (
        "ticket_parts.substitutes",
        "可用替代件",
        "Substitutes available",
    ),
    ("ticket_parts.request", "申请备件", "Request parts"),
    (
        "ticket_parts.issue",
        "领用已预留备件",
        "Issue reserved parts",
    ),
    ("ticket_parts.arrived", "到件检查", "Parts arrived"),
    ("ticket_parts.complete", "带备件完工", "Complete with parts"),
    (
        "ticket_parts.returns",
        "旧件返还(以旧换新)",
        "Old-for-new returns",
    ),
    ("ticket_parts.due", "截止", "due"),
    ("ticket_parts.return_open", "待返还", "owed"),
    ("ticket_parts.return_received", "已收回", "received"),
    ("ticket_parts.receive", "收回旧件", "Receive defective part"),
    ("ticket_parts.status.waiting", "待件", "waiting"),
    ("ticket_parts.status.reserved", "已预留", "reserved"),
    ("ticket_parts.status.issued", "已领用", "issued"),
    ("ticket_parts.status.settled", "已结算", "settled"),
    ("ticket_parts.status.released", "已释放", "released"),
    (
        "ticket_parts.status.awaiting_approval",
        "待经理审批",
        "awaiting approval",
    ),
    (
        "ticket_parts.note.reservation_expired",
        "预留已过期,重新排队等待备件",
        "reservation expired: waiting for stock again",
    ),
    (
        "ticket_parts.note.reservation_released",
        "预留已在工单外释放,重新排队等待备件",
        "reservation released outside the ticket: waiting for stock again",
    ),
    (
        "ticket_parts.note.returned_on_cancel",
        "工单结束,未用件已退回库存",
        "ticket ended: unused units returned to stock",
    ),
];
