"""Column auto-mapping: English and Chinese header synonyms onto the canonical fields."""

import pytest

from analytics import AnalyticsInputError
from analytics.mapping import MAPPABLE, SYNONYMS, normalise_header, suggest_mapping


def test_chinese_order_headers_map_to_canonical_fields():
    columns = ["用户ID", "订单号", "下单时间", "实付金额", "渠道"]
    assert suggest_mapping(columns, "orders") == {
        "customer_id": "用户ID", "order_ts": "下单时间", "amount": "实付金额",
        "order_id": "订单号", "channel": "渠道",
    }


def test_matching_ignores_case_spaces_underscores_and_bracketed_units():
    columns = ["Customer ID", "ORDER_NO", "created_at", "Paid Amount (元)", "UTM Source", "qty"]
    assert suggest_mapping(columns, "orders") == {
        "customer_id": "Customer ID", "order_ts": "created_at", "amount": "Paid Amount (元)",
        "order_id": "ORDER_NO", "channel": "UTM Source", "quantity": "qty",
    }


def test_online_retail_line_item_headers_map_unit_price():
    columns = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
               "CustomerID", "Country"]
    assert suggest_mapping(columns, "orders") == {
        "customer_id": "CustomerID", "order_ts": "InvoiceDate", "order_id": "InvoiceNo",
        "region": "Country", "quantity": "Quantity", "unit_price": "UnitPrice",
    }


def test_canonical_name_beats_synonym_and_specific_synonym_beats_generic():
    # "order_ts" is the field itself; "Order Date" comes before "date" in the synonym list.
    assert suggest_mapping(["date", "order_ts"], "orders") == {"order_ts": "order_ts"}
    assert suggest_mapping(["date", "Order Date"], "orders") == {"order_ts": "Order Date"}
    assert suggest_mapping(["金额", "实付金额"], "orders") == {"amount": "实付金额"}


def test_first_of_two_headers_that_normalise_alike_is_used():
    assert suggest_mapping(["User ID", "user_id"], "events") == {"user_id": "User ID"}


def test_events_and_spend_headers():
    assert suggest_mapping(["用户id", "事件时间", "事件", "会话ID", "来源", "终端"], "events") == {
        "user_id": "用户id", "event_ts": "事件时间", "event_name": "事件",
        "session_id": "会话ID", "channel": "来源", "device": "终端",
    }
    assert suggest_mapping(["日期", "渠道", "花费", "曝光", "点击", "计划"], "spend") == {
        "date": "日期", "channel": "渠道", "spend": "花费", "impressions": "曝光",
        "clicks": "点击", "campaign": "计划",
    }


def test_unknown_headers_map_to_nothing():
    assert suggest_mapping(["foo", "bar"], "orders") == {}


def test_no_header_is_a_synonym_of_two_fields_of_one_kind():
    for kind, fields in SYNONYMS.items():
        owners = {}
        for field, synonyms in fields.items():
            for synonym in (field, *synonyms):
                assert owners.setdefault(normalise_header(synonym), field) == field, (kind, synonym)


def test_mappable_fields_per_kind():
    assert MAPPABLE == {
        "orders": ["customer_id", "order_ts", "amount", "order_id", "channel", "region", "device",
                   "category", "quantity", "status", "unit_price"],
        "events": ["user_id", "event_ts", "event_name", "session_id", "channel", "device", "region"],
        "spend": ["date", "channel", "spend", "impressions", "clicks", "campaign"],
    }
    assert all(set(SYNONYMS[kind]) == set(fields) for kind, fields in MAPPABLE.items())


def test_normalise_header():
    assert normalise_header("Order No. (元)") == "orderno"
    assert normalise_header(" 用户 ID ") == "用户id"
    assert normalise_header("utm_source") == "utmsource"


def test_unknown_kind_is_rejected():
    with pytest.raises(AnalyticsInputError, match=r"The 'kind' parameter of suggest_mapping must be "
                       r"one of 'orders', 'events', 'spend'. Got 'users' instead."):
        suggest_mapping(["a"], "users")
