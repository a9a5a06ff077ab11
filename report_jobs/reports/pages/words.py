"""The words of the report pages in English and Simplified Chinese (``reports`` language)."""

from __future__ import annotations

ZH = {
    "Overview": "概览", "Projects": "项目", "Project": "项目", "Program": "项目群", "Programs": "项目群",
    "Status": "状态", "Why": "原因", "Progress": "进度", "Progress (points)": "进度（按点数）",
    "Budget spent": "预算使用", "Next milestone": "下一里程碑", "Compliance": "合规", "Gates": "阶段门",
    "Reporting period": "报告周期", "Gaps": "不符合项", "Manager": "负责人",
    "Risks": "风险", "Resources": "资源", "Trends": "趋势", "Milestones": "里程碑", "Budget": "预算",
    "Actual cost": "实际成本", "Forecast": "预测成本", "Forecast variance": "预测偏差", "Schedule": "进度计划",
    "Baseline": "基线", "Time elapsed": "时间进度", "Work done": "完成工作", "Variance": "偏差",
    "Receivables": "应收款", "Total": "总额", "Invoiced": "已开票", "Paid": "已收款", "Not invoiced": "未开票",
    "Overdue": "逾期", "Issues": "事项", "Done": "已完成", "Points": "点数", "Done points": "已完成点数",
    "Key": "编号", "Due": "到期", "Slipped days": "延期天数", "Score": "分值", "Probability": "概率",
    "Impact": "影响", "Owner": "负责人", "Top risks": "主要风险", "Heat map": "热力图",
    "Open risks by project": "各项目未关闭风险", "Open risks": "未关闭风险", "Unassessed": "未评估",
    "Person": "人员", "Week": "周", "Load": "负荷", "Capacity": "产能", "Over": "超出",
    "Resource conflicts": "资源冲突", "Load by week": "每周负荷",
    "No person is over capacity in the weeks shown.": "所示各周内没有人员超出产能。",
    "Status by period": "各周期状态", "What changed since the last period": "与上一周期相比的变化",
    "Was": "之前", "Now": "现在", "Changed": "变化", "new in this period": "本周期新增",
    "No project changed colour since the last period.": "与上一周期相比，没有项目的状态发生变化。",
    "History starts with this period.": "历史记录从本周期开始。",
    "Project managers": "项目经理", "Milestones done": "已完成里程碑", "On time": "按期",
    "Gates decided": "已决策阶段门", "Passed at the first decision": "首次决策即通过",
    "Burn-up": "燃起图", "Milestones overdue": "逾期里程碑", "Next due": "下一到期",
    "Complete": "完成率", "State": "状态", "Gate": "阶段门", "Checks": "检查项",
    "No open risks.": "没有未关闭的风险。", "Pages": "页面", "Colour": "颜色",
    "Portfolio": "项目组合", "Periods": "周期", "Record": "立项记录",
}


def translator(language: str):
    """``t(text)``: ``text`` in ``language`` (English is the key itself)."""
    if language == "zh":
        return lambda text: ZH.get(text, text)
    return lambda text: text
