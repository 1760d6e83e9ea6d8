//! Translations of the customer message template pages.

/// (key, 简体中文, English) for the message template pages.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("nav.templates", "消息模板", "Message templates"),
    (
        "templates.title",
        "客户消息模板",
        "Customer message templates",
    ),
    (
        "templates.intro",
        "预约、完工和回访完成时发给客户的短信 / 微信文本（由 Webhook 推送给短信网关或微信桥接）。每个事件有中文和英文两种，按订阅的消息语言发送。",
        "The SMS / WeChat texts sent to customers when an appointment is booked, the repair is completed and the callback is done (delivered to SMS gateways or WeChat bridges through the webhooks). Each event has a Chinese and an English text; a subscription gets the one in its message language.",
    ),
    ("templates.language", "语言", "Language"),
    ("templates.body", "模板正文", "Template text"),
    ("templates.status", "状态", "Status"),
    ("templates.actions", "操作", "Actions"),
    ("templates.default", "系统默认", "Built-in default"),
    ("templates.custom", "已自定义", "Customised"),
    ("templates.edit", "修改", "Edit"),
    ("templates.reset", "恢复默认", "Reset to default"),
    (
        "templates.edit_title",
        "修改消息模板",
        "Edit message template",
    ),
    (
        "templates.back",
        "返回消息模板列表",
        "Back to the message templates",
    ),
    (
        "templates.syntax",
        "用 {占位符} 插入工单信息（见下表）；花括号本身请写 {{ 或 }}。最多字符数：",
        "Insert ticket details with {placeholder} (see the list below); write {{ or }} for a brace itself. Maximum characters:",
    ),
    (
        "templates.preview_ticket",
        "用工单号预览（留空用示例工单）",
        "Preview with ticket number (empty: a sample ticket)",
    ),
    ("templates.preview", "预览", "Preview"),
    ("templates.chars", "个字符", "characters"),
    ("templates.placeholders", "可用占位符", "Placeholders"),
    (
        "templates.default_text",
        "系统默认文本",
        "Built-in default text",
    ),
    ("templates.saved", "模板已保存。", "The template was saved."),
    (
        "templates.reset_done",
        "模板已恢复为系统默认。",
        "The template was reset to the built-in default.",
    ),
    (
        "templates.event.appointment_booked",
        "已预约上门",
        "Appointment booked",
    ),
    ("templates.event.completed", "维修完工", "Repair completed"),
    ("templates.event.callback_done", "回访完成", "Callback done"),
    ("templates.event.unknown", "其他事件", "Other event"),
    ("templates.ph.ticket_number", "工单号", "Ticket number"),
    (
        "templates.ph.appointment",
        "预约上门时间（公司时区）；没有时为“约定时间”",
        "Appointment start (company time zone); \"the agreed time\" when there is none",
    ),
    ("templates.ph.customer_name", "客户姓名", "Customer name"),
    (
        "templates.ph.station_name",
        "服务网点名称；未派单时为空",
        "Service station name; empty before dispatch",
    ),
    (
        "templates.ph.station_phone",
        "服务网点电话；未派单时为空",
        "Service station phone; empty before dispatch",
    ),
    (
        "templates.ph.technician",
        "技师姓名；未指派时为空",
        "Technician name; empty until one is assigned",
    ),
    (
        "templates.ph.product_model",
        "产品型号名称（按消息语言）",
        "Product model name (in the message language)",
    ),
];
