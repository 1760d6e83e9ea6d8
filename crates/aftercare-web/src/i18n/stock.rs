//! Stock approval queue strings.

/// (key, 简体中文, English).
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.approvals", "发料审批", "Issue approvals"),
    ("approvals.title", "大额发料审批", "Issue approvals"),
    (
        "approvals.hint",
        "超过数量或金额上限的发料须经售后经理审批；批准后按正常出库执行一次。",
        "Issues above the quantity or value limit wait for the after-sales manager; an approved issue runs once through the normal ledger path.",
    ),
    ("approvals.status", "状态", "Status"),
    ("approvals.status.pending", "待审批", "Pending"),
    ("approvals.status.approved", "已批准", "Approved"),
    ("approvals.status.rejected", "已驳回", "Rejected"),
    ("approvals.status.all", "全部", "All"),
    ("approvals.filter", "筛选", "Filter"),
    ("approvals.empty", "没有审批单。", "No approvals."),
    ("approvals.value", "金额", "Value"),
    ("approvals.reason", "审批原因", "Why"),
    (
        "approvals.reason.value_above",
        "金额超过上限",
        "Value above the limit",
    ),
    (
        "approvals.reason.qty_above",
        "数量超过上限",
        "Quantity above the limit",
    ),
    ("approvals.requested_by", "申请人", "Requested by"),
    ("approvals.approve", "批准", "Approve"),
    ("approvals.reject", "驳回", "Reject"),
    ("approvals.reject_reason", "驳回原因", "Reason to reject"),
    (
        "approvals.last_error",
        "上次批准未执行",
        "Last approval refused",
    ),
    (
        "approvals.queued",
        "发料超过审批上限，已提交经理审批，审批单号",
        "The issue is above the approval limit and waits for a manager: approval",
    ),
    ("stock.aging.title", "库龄分析", "Aged stock"),
    (
        "stock.aging.hint",
        "在库数量与金额按批次入库时间的库龄分段（天），按仓库汇总。",
        "Stock on shelves and its value by the age of the lot it came in with (days since receipt), per warehouse.",
    ),
    ("stock.aging.0_90", "0–90 天", "0–90 days"),
    ("stock.aging.91_180", "91–180 天", "91–180 days"),
    ("stock.aging.181_365", "181–365 天", "181–365 days"),
    ("stock.aging.over_365", "365 天以上", "Over 365 days"),
];
