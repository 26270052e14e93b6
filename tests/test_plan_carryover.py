"""A plan of a month without written strategy or with last month's improvements written below the
unit: November's plans of the sample (targets_2025-11.csv, October's actuals and notes).

Expected figures are worked out by hand from the sample inputs."""
import pytest

from .conftest import SAMPLE_INPUTS, invoke, write_inputs
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


def test_every_plan_states_what_each_target_asks_in_step_one_not_as_a_strategy(tmp_path):
    # one rep (conftest.write_inputs): October's actual 90元, no strategy note anywhere; November's target 150元
    write_inputs(tmp_path / "in", "甲", "一组", "一区", "备注", "拜访客户")
    with (tmp_path / "in" / "targets.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-11,R1,sales,150\n")
    result = invoke("report", "--month", "2025-11", "--inputs", tmp_path / "in", "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    for level, unit in [("rep", "R1"), ("team", "一组"), ("company", "公司")]:
        text = body_text(document(tmp_path / "out" / "2025-11", level, unit, "plan"))
        goals = text[text.index("一、核心目标"):text.index("二、任务分解与责任")]
        # November's 150元 against October's actual 90元: +66.7%, the target shown as 0.02万元
        assert "销售额：目标0.02万元，需较10月实际增长66.7%" in goals, (level, goals)
        strategy = text[text.index("（一）销售策略"):text.index("（二）资源需求")]
        assert "【数据】" not in strategy and "目标" not in strategy  # a strategy is a person's: none written


def test_a_written_strategy_replaces_the_data_lines(sample_report):
    october = sample_report.parent
    text = body_text(document(october / "2025-10", "team", "上海一组", "plan"))
    strategy = text[text.index("（一）销售策略"):text.index("（二）资源需求")]
    assert "【数据】" not in strategy and "公司：" in strategy


def test_what_a_target_asks_reads_as_a_manager_writes_it(november):
    # 张伟: November's 21万元 against October's 22.35万元 asks nothing (no `需…下降`), against last
    # November's 18.4万元 +14.1%; 2场 against October's 3场 is one less, not `−33.3%`
    text = body_text(document(november, "rep", "S1001", "plan"))
    assert "销售额：目标21万元，较10月实际低6%，需较去年11月实际增长14.1%" in text
    assert "活动参与量：目标2场，较10月实际少1场" in text
    company = body_text(document(november, "company", "公司", "plan"))
    # one 需 a line: `需较10月…，较去年11月…`
    assert "销售额：目标206.5万元，需较10月实际增长11.6%，较去年11月实际增长21.6%" in company
    for level, unit in [("rep", "S1001"), ("rep", "S1003"), ("team", "杭州组"), ("region", "华东区"), ("company", "公司")]:
        plan = body_text(document(november, level, unit, "plan"))
        assert "下降" not in plan[plan.index("目标要求"):plan.index("二、任务分解与责任")], unit
