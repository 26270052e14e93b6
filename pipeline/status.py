"""The status of a figure against its target: the keys metrics.csv holds, the words and the cell
fills that the documents and the mails show. Shared by compute, documents and delivery."""
from __future__ import annotations

STATUS_MET, STATUS_NEAR, STATUS_MISSED = "met", "near", "missed"
STATUS_NO_TARGET, STATUS_NO_ACTUAL, STATUS_INCOMPLETE = "no_target", "no_actual", "incomplete"
COMPARABLE = (STATUS_MET, STATUS_NEAR, STATUS_MISSED)  # statuses whose achievement compares like with like
GAP_STATUSES = (STATUS_NO_TARGET, STATUS_NO_ACTUAL, STATUS_INCOMPLETE)  # a gap in the data, not a performance

STATUS_TEXT = {STATUS_MET: "达成", STATUS_NEAR: "接近目标", STATUS_MISSED: "未达成",
               STATUS_NO_TARGET: "无目标", STATUS_NO_ACTUAL: "缺实际数据", STATUS_INCOMPLETE: "数据不全"}
# Excel's own good / neutral / bad fills, which sales-operations readers already know; a gap in
# the data gets plain grey, never a performance colour.
STATUS_FILL = {STATUS_MET: "C6EFCE", STATUS_NEAR: "FFEB9C", STATUS_MISSED: "FFC7CE"}
NO_FILL = "F2F2F2"


def status_text(status: str) -> str:
    """The word for `status`; an unknown key as it is."""
    return STATUS_TEXT.get(status, status)


def status_fill(status: str) -> str:
    """The cell fill for `status`: a performance colour, else grey."""
    return STATUS_FILL.get(status, NO_FILL)

