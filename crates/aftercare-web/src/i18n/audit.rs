//! The audit log page: what each recorded action means, in words.

/// (key, 简体中文, English). `audit.action.<code>` names an action the application records;
/// `audit.stock.<op>` a ledger command (recorded as `stock.<op>`); ticket actions
/// (`ticket.<action>`) use the ticket's own action words.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("audit.filter.object_type", "对象类型", "Object type"),
    ("audit.filter.object_id", "对象编号", "Object id"),
    ("audit.filter.actor", "操作人账号", "Actor login"),
    ("audit.filter.action", "操作代码", "Action code"),
    ("audit.filter.submit", "筛选", "Filter"),
    ("audit.filter.clear", "清除筛选", "Clear"),
    ("audit.older", "更早的记录", "Older entries"),
    ("audit.actor.cli", "命令行", "command line"),
    ("audit.actor.system", "系统", "system"),
    (
        "audit.action.api_token.create",
        "创建 API 令牌",
        "API token created",
    ),
    (
        "audit.action.api_token.revoke",
        "吊销 API 令牌",
        "API token revoked",
    ),
    (
        "audit.action.brand_contract.set",
        "设置品牌合同",
        "Brand contract set",
    ),
    (
        "audit.action.customer.create",
        "新建客户",
        "Customer created",
    ),
    ("audit.action.demo.load", "载入演示数据", "Demo data loaded"),
    (
        "audit.action.fault_code.create",
        "新建故障代码",
        "Fault code created",
    ),
    ("audit.action.part.create", "新建备件", "Part created"),
    (
        "audit.action.part.levels",
        "设置备件库存水平",
        "Part stock levels set",
    ),
    (
        "audit.action.part.substitute",
        "设置替代件",
        "Substitute set",
    ),
    ("audit.action.part.update", "修改备件", "Part updated"),
    (
        "audit.action.part.where_used",
        "设置适用机型",
        "Where-used set",
    ),
    (
        "audit.action.parts.import",
        "导入备件主数据",
        "Part master imported",
    ),
    (
        "audit.action.planning.approve",
        "批准补货建议",
        "Proposal approved",
    ),
    (
        "audit.action.planning.approve_refused",
        "补货建议批准被拒",
        "Proposal approval refused",
    ),
    (
        "audit.action.planning.event_added",
        "新增需求事件",
        "Demand event added",
    ),
    (
        "audit.action.planning.event_cancelled",
        "取消需求事件",
        "Demand event cancelled",
    ),
    (
        "audit.action.planning.reject",
        "驳回补货建议",
        "Proposal rejected",
    ),
    ("audit.action.planning.run", "运行补货计划", "Planning run"),
    (
        "audit.action.planning.succession_removed",
        "删除备件替换关系",
        "Succession removed",
    ),
    (
        "audit.action.planning.succession_set",
        "设置备件替换关系",
        "Succession set",
    ),
    (
        "audit.action.settings.update",
        "修改公司设置",
        "Company settings updated",
    ),
    (
        "audit.action.sla_settings.update",
        "修改 SLA 设置",
        "SLA settings updated",
    ),
    (
        "audit.action.stock.approval_approve",
        "批准出库审批",
        "Issue approval approved",
    ),
    (
        "audit.action.stock.approval_claim_released",
        "释放出库审批占用",
        "Issue approval claim released",
    ),
    (
        "audit.action.stock.approval_recovered",
        "恢复出库审批",
        "Issue approval recovered",
    ),
    (
        "audit.action.stock.approval_reject",
        "驳回出库审批",
        "Issue approval rejected",
    ),
    (
        "audit.action.stock.approval_request",
        "提交出库审批",
        "Issue approval requested",
    ),
    (
        "audit.action.ticket.accept_timeout",
        "接单超时",
        "Acceptance timed out",
    ),
    ("audit.action.ticket.create", "新建工单", "Ticket created"),
    (
        "audit.action.ticket_settings.update",
        "修改工单设置",
        "Ticket settings updated",
    ),
    (
        "audit.action.unit.create",
        "新建产品（机器）",
        "Unit created",
    ),
    ("audit.action.user.create", "新建用户", "User created"),
    ("audit.action.user.set_password", "重设密码", "Password set"),
    (
        "audit.action.warranty_policy.set",
        "设置保修政策",
        "Warranty policy set",
    ),
    (
        "audit.action.webhook.create",
        "新建 Webhook",
        "Webhook created",
    ),
    (
        "audit.action.webhook.test",
        "测试 Webhook",
        "Webhook tested",
    ),
    (
        "audit.action.webhook.update",
        "修改 Webhook",
        "Webhook updated",
    ),
    (
        "audit.stock.place_purchase_order",
        "下采购订单",
        "Purchase order placed",
    ),
    ("audit.stock.receive", "采购收货", "Received"),
    ("audit.stock.inspect", "来料检验", "Inspected"),
    ("audit.stock.issue", "出库领用", "Issued"),
    ("audit.stock.return_unused", "退回未用件", "Unused returned"),
    (
        "audit.stock.defective_return",
        "旧件返还",
        "Defective returned",
    ),
    ("audit.stock.reserve", "预留库存", "Reserved"),
    (
        "audit.stock.release_reservation",
        "释放预留",
        "Reservation released",
    ),
    (
        "audit.stock.expire_reservations",
        "过期预留释放",
        "Reservations expired",
    ),
    ("audit.stock.ship_transfer", "调拨发货", "Transfer shipped"),
    (
        "audit.stock.receive_transfer",
        "调拨收货",
        "Transfer received",
    ),
    (
        "audit.stock.resolve_discrepancy",
        "处理调拨差异",
        "Discrepancy resolved",
    ),
    ("audit.stock.send_to_repair", "送修", "Sent to repair"),
    (
        "audit.stock.receive_from_repair",
        "返修收回",
        "Received from repair",
    ),
    (
        "audit.stock.declare_unrepairable",
        "判定无法修复",
        "Declared unrepairable",
    ),
    ("audit.stock.request_scrap", "申请报废", "Scrap requested"),
    ("audit.stock.decide_scrap", "审批报废", "Scrap decided"),
    ("audit.stock.dispose", "报废处置", "Disposed"),
    ("audit.stock.open_stocktake", "开始盘点", "Stocktake opened"),
    ("audit.stock.enter_counts", "录入盘点数", "Counts entered"),
    (
        "audit.stock.approve_stocktake",
        "审批盘点",
        "Stocktake approved",
    ),
];
