"""Column auto-mapping: which source column holds each canonical field of the data contract (DESIGN §3).

Headers are compared after normalisation (case-folded; spaces, underscores, punctuation and a trailing
unit in brackets such as "(元)" removed), so "Customer ID", "customer_id", "CustomerID" and "用户ID"
all match their synonym.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analytics.dataset import KINDS, OPTIONAL, REQUIRED
from analytics.errors import require_choice

#: Canonical fields the UI offers per kind. ``unit_price`` (orders) marks a line-item export: its rows
#: are aggregated to one row per order (see analytics.io.load_table).
MAPPABLE: dict[str, list[str]] = {
    kind: [*REQUIRED[kind], *OPTIONAL[kind], *(("unit_price",) if kind == "orders" else ())]
    for kind in KINDS
}

_CUSTOMER = ("customer id", "user id", "userid", "uid", "buyer id", "member id", "customer",
             "用户ID", "用户id", "客户ID", "会员ID", "买家ID", "用户", "客户", "买家会员名", "买家昵称")
_CHANNEL = ("channel", "source", "utm_source", "utm source", "traffic source", "渠道", "来源", "流量来源")
_REGION = ("region", "province", "city", "country", "地区", "省份", "省", "城市", "区域", "国家")
_DEVICE = ("device", "platform", "device type", "设备", "终端", "平台")

#: Synonyms per kind and canonical field, most specific first (the canonical name itself always wins).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "orders": {
        "customer_id": _CUSTOMER,
        "order_ts": ("order time", "order date", "order datetime", "created at", "create time",
                     "InvoiceDate", "paid at", "payment time", "purchase date", "date", "time",
                     "timestamp", "datetime", "下单时间", "支付时间", "付款时间", "订单时间", "订单付款时间",
                     "订单创建时间", "创建时间", "成交时间", "日期"),
        "amount": ("amount", "order amount", "paid amount", "payment amount", "total", "order total",
                   "revenue", "gmv", "sales", "实付金额", "买家实际支付金额", "订单金额", "支付金额",
                   "付款金额", "实收金额", "总金额", "金额", "销售额"),
        "order_id": ("order id", "orderid", "order no", "order number", "InvoiceNo", "invoice",
                     "invoice id", "订单号", "订单编号", "订单ID", "订单id"),
        "channel": _CHANNEL,
        "region": _REGION,
        "device": _DEVICE,
        "category": ("category", "product category", "品类", "类目", "商品类目", "商品分类"),
        "quantity": ("quantity", "qty", "units", "数量", "购买数量", "商品数量"),
        "status": ("status", "order status", "状态", "订单状态"),
        "unit_price": ("unit price", "UnitPrice", "price", "单价", "商品单价", "价格"),
    },
    "events": {
        "user_id": _CUSTOMER,
        "event_ts": ("event time", "event timestamp", "timestamp", "time", "event date", "datetime",
                     "date", "时间", "事件时间", "行为时间", "日期"),
        "event_name": ("event", "event name", "event type", "action", "behavior", "behaviour",
                       "事件", "事件名", "事件名称", "行为", "行为类型"),
        "session_id": ("session id", "session", "会话ID", "会话id", "会话"),
        "channel": _CHANNEL,
        "device": _DEVICE,
        "region": _REGION,
    },
    "spend": {
        "date": ("day", "日期", "时间"),
        "channel": (*_CHANNEL, "media", "媒体"),
        "spend": ("spend", "cost", "ad spend", "amount", "花费", "消耗", "投放金额", "费用"),
        "impressions": ("impressions", "impression", "impr", "曝光", "曝光量", "展现", "展现量"),
        "clicks": ("clicks", "click", "点击", "点击量", "点击数"),
        "campaign": ("campaign", "campaign name", "计划", "活动", "推广计划"),
    },
}

_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_header(name: object) -> str:
    """A header reduced for comparison: "Order No. (元)" -> "orderno", "用户 ID" -> "用户id"."""
    return _NOT_WORD.sub("", _BRACKETED.sub("", str(name)).casefold())


def suggest_mapping(columns: Iterable[object], kind: str) -> dict[str, str]:
    """Guess the source column of each canonical field of ``kind`` from the headers ``columns``.

    Returns ``{canonical field: source column}`` for the fields found (a subset of ``MAPPABLE[kind]``,
    in its order). Each field takes the column matching its earliest synonym, so the canonical name
    beats a synonym and "order date" beats "date"; no header is a synonym of two fields of a kind, so
    a column maps to at most one field. Of two headers that normalise alike, the first is used.

    >>> suggest_mapping(["用户ID", "订单号", "下单时间", "实付金额", "渠道"], "orders")["amount"]
    '实付金额'
    """
    require_choice(kind, KINDS, name="kind", where="suggest_mapping")
    by_name: dict[str, object] = {}
    for column in columns:
        by_name.setdefault(normalise_header(column), column)
    found: dict[str, str] = {}
    for field in MAPPABLE[kind]:
        for synonym in (field, *SYNONYMS[kind][field]):
            column = by_name.get(normalise_header(synonym))
            if column is not None:
                found[field] = column
                break
    return found
