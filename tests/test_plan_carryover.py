"""A plan of a month without written strategy or with last month's improvements written below the
unit: November's plans of the sample (targets_2025-11.csv, October's actuals and notes).

Expected figures are worked out by hand from the sample inputs."""
import pytest

from .conftest import SAMPLE_INPUTS, invoke
from .docx_reading import body_text
from .test_documents import document


@pytest.fixture(scope="module")
def november(tmp_path_factory):
    outputs = tmp_path_factory.mktemp("november")
    result = invoke("report", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "-q")
    assert result.exit_code == 0, result.output
    return outputs / "2025-11"


def test_a_plan_carries_the_improvements_its_members_wrote_last_month(november):
    text = body_text(document(november, "region", "华东区", "plan"))
    # 华东区 wrote no October next_step: its teams' come up, and 张伟's through 上海一组, which wrote none
    assert "销售额（上海一组·张伟）：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。" in text
    assert "销售额（杭州组）：" in text
    # a unit's own note stands alone, without its members'
    rep = body_text(document(november, "rep", "S1001", "plan"))
    assert "销售额：宝钢项目11月中旬前完成签约，每周两次与客户采购部同步进度。" in rep


def test_a_plan_without_any_strategy_note_states_what_each_target_asks(november):
    text = body_text(document(november, "team", "上海一组", "plan"))
    strategy = text[text.index("（一）销售策略"):text.index("（二）资源需求")]
    # November: 张伟 21万 + 王芳 18.5万 + 李娜 15.5万 = 55万; October's actual 50万元
    assert "【数据】销售额：目标55万元，比上月实际50万元高5万元" in strategy
    assert "（本月未录入）" not in strategy


def test_a_written_strategy_replaces_the_data_lines(tmp_path):
    october = tmp_path / "out"
    assert invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", october, "-q").exit_code == 0
    text = body_text(document(october / "2025-10", "team", "上海一组", "plan"))
    strategy = text[text.index("（一）销售策略"):text.index("（二）资源需求")]
    assert "【数据】" not in strategy and "公司：" in strategy
