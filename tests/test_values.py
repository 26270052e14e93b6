import datetime as dt

import pytest

from pipeline.inputs.catalog import Catalog
from pipeline.inputs.values import clean_text, parse_amount, parse_date, parse_month
from pipeline.months import Month

CATALOG = Catalog()


@pytest.mark.parametrize("text", ["2025-10", "2025/10", "2025-10-01", "2025年10月", " 2025年10月 ", "202510",
                                  dt.datetime(2025, 10, 1)])
def test_every_month_form_means_october_2025(text):
    assert parse_month(text) == "2025-10"


@pytest.mark.parametrize("text", ["2025-13", "十月", "", "25-10"])
def test_not_a_month_says_how_to_write_one(text):
    with pytest.raises(ValueError, match="2025-10"):
        parse_month(text)


@pytest.mark.parametrize("text", ["1850000", "1,850,000", "¥1,850,000", "1850000元", "185万", "185万元",
                                  "¥185万", 1850000, 1850000.0, "1,850,000.00"])
def test_money_forms_are_yuan(text):
    assert parse_amount(text, CATALOG["sales"]) == 1850000


@pytest.mark.parametrize("text, expected", [("32%", 0.32), ("0.32", 0.32), (0.32, 0.32), ("100%", 1.0),
                                            ("1", 1.0), ("32.5%", 0.325)])
def test_rates_are_fractions(text, expected):
    assert parse_amount(text, CATALOG["repurchase_rate"]) == pytest.approx(expected)


def test_a_bare_rate_above_one_asks_for_the_percent_sign():
    with pytest.raises(ValueError, match="32%"):
        parse_amount("32", CATALOG["repurchase_rate"])


def test_negative_amounts_are_kept():
    assert parse_amount("-3,000", CATALOG["sales"]) == -3000


@pytest.mark.parametrize("text", ["abc", "12-3", "1.2.3", "%"])
def test_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text, CATALOG["sales"])


@pytest.mark.parametrize("text, expected", [
    ("2025-10-30", dt.date(2025, 10, 30)), ("2025/10/30", dt.date(2025, 10, 30)),
    ("10月30日", dt.date(2025, 10, 30)), ("10月30日前", dt.date(2025, 10, 30)), ("10-30", dt.date(2025, 10, 30)),
])
def test_deadlines_take_the_task_month_year(text, expected):
    assert parse_date(text, "2025-10") == expected


def test_clean_text_drops_what_xml_cannot_hold_and_keeps_newlines():
    assert clean_text("A&B\x00\x0b\x0c<公司>\r\n第二行\t尾") == "A&B<公司>\n第二行\t尾"


def test_the_months_before_and_after_cross_years():
    assert Month("2025-01").previous == "2024-12"
    assert Month("2025-12").next == "2026-01"
    assert Month("2025-10").shift(-12).label == "2024年10月"


@pytest.mark.parametrize("text, expected", [
    ("1,850,000", 1850000), ("1,850,000.50", 1850000.5), ("1 850 000", 1850000), ("1\u3000850", 1850),
    ("1.850.000", 1850000), ("1.850.000,50", 1850000.5), ("1 850 000,50", 1850000.5),
    ("223500,50", 223500.5), ("12,5", 12.5), ("0,5", 0.5), (".5", 0.5), ("1,500", 1500), ("1.500", 1.5),
    ("¥ 1,850,000", 1850000), ("- 3,000", -3000), ("185 万元", 1850000), ("1,234.5万", 12345000),
])
def test_separators_in_their_places_are_read(text, expected):
    assert parse_amount(text, CATALOG["sales"]) == expected


@pytest.mark.parametrize("text", ["1,2,3", "12,34,567", "1,5.0", "1.500.5", "1,850 000", "5,", "1,,000", "0,500,000"])
def test_misplaced_separators_are_refused_never_squeezed_out(text):
    with pytest.raises(ValueError, match="分隔符的位置不对"):
        parse_amount(text, CATALOG["sales"])


@pytest.mark.parametrize("text, expected", [("223500,50", 223500.5), ("1,850,000", 1850000), ("0,32", 0.32),
                                            ("1.850.000,50", 1850000.5), ("0.325", 0.325), ("1500", 1500)])
def test_a_semicolon_file_reads_what_is_unambiguous(text, expected):
    metric = CATALOG["repurchase_rate" if expected < 1 else "sales"]
    assert parse_amount(text, metric, semicolon=True) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["1,500", "1.500", "12,345"])
def test_a_semicolon_file_refuses_what_could_be_thousands_or_decimals(text):
    with pytest.raises(ValueError, match="既可能是"):
        parse_amount(text, CATALOG["sales"], semicolon=True)


def test_a_decimal_comma_works_for_rates_with_a_percent_sign():
    assert parse_amount("32,5%", CATALOG["repurchase_rate"], semicolon=True) == pytest.approx(0.325)


@pytest.mark.parametrize("value", ["1000000000000000000", "1,000,000,000,000,001", 1e18, 1e300, float("inf"),
                                   pytest.param(10**400, id="10**400"), "-2000000000000000"])
def test_amounts_beyond_the_range_are_refused(value):
    with pytest.raises(ValueError, match="超出范围"):
        parse_amount(value, CATALOG["sales"])


@pytest.mark.parametrize("value", ["nan", "inf", "1e18", float("nan")])
def test_nan_inf_and_exponents_are_not_numbers(value):
    with pytest.raises(ValueError, match="不是数字"):
        parse_amount(value, CATALOG["sales"])


def test_the_largest_amount_is_kept_and_float_noise_settled():
    assert parse_amount("1,000,000,000,000,000", CATALOG["sales"]) == 1e15
    assert parse_amount(0.1 + 0.2, CATALOG["repurchase_rate"]) == 0.3
    assert parse_amount(1e-300, CATALOG["sales"]) == 0


@pytest.mark.parametrize("text", ["2025-10-99", "2025年10月45日", "2025-02-29", "2025/10/32", "2025-10-00"])
def test_a_day_that_does_not_exist_is_not_a_month(text):
    with pytest.raises(ValueError, match="2025-10"):
        parse_month(text)


@pytest.mark.parametrize("text, expected", [("2024-02-29", "2024-02"), ("2025年10月31日", "2025-10"),
                                            ("2025-10-31 00:00:00", "2025-10"), ("2025年10月1", "2025-10")])
def test_a_month_with_a_real_day_is_its_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-5%", "@sum", "'=1", "''-2", "'plain", "'", "plain", ""])
def test_a_formula_guarded_cell_reads_back_exactly_and_never_as_a_formula(text):
    from pipeline.inputs.values import FORMULA_STARTS, formula_guarded, formula_unguarded

    cell = formula_guarded(text)
    assert formula_unguarded(cell) == text
    assert not cell.startswith(FORMULA_STARTS)
