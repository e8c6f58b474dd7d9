"""The wording of the printed sheets, in one place.

A sign-off sheet is a Chinese office document (titles, table headers, the signature block are
what the 居委 and the four offices sign), so it is printed in Chinese whatever language the
editor's interface uses. Keeping every phrase here, out of the painting code, lets the wording
be reviewed (or a street's own variant substituted) without reading layout code, and keeps the
interface modules free of untranslated literals.
"""

from __future__ import annotations

SHEET_TEXT: dict[str, str] = {
    # page furniture
    "cont": "(续)",
    "info_date": "制图日期",
    "info_version": "版本",
    "info_version_value": "{version} · 修订 {revision}",
    "info_number": "图号",
    "info_number_value": "{index} · 比例尺 1:{scale}",
    "info_scale": "比例尺",
    "info_scale_value": "1:{scale}",
    "footer_pages": "第 {page} 页 / 共 {pages} 页",
    "sign_default": "会签确认",
    "sign_party": "{party}(签字)",
    "sign_date": "日期",
    "sign_date_fill": "     年     月     日",
    "north": "北",
    "imagery_incomplete": "⚠ 影像不完整:部分在线影像瓦片未能获取",
    "scale": "比例尺 1:{scale}",
    # unit sheet
    "unit_title": "{unit}微网格划分确认图",
    "unit_subtitle": "{street} · {rg} · 管理单元 {unit}({code})· {unit_type}",
    "unit_footer": "{street}微网格划分 · {unit}({code})· 坐标系 {crs}",
    "unit_sign": "会签确认:以上{unit}微网格划分及信息经核对无误",
    "pending": "待划分(尚未划分微网格)",
    "heading_facts": "单元概况",
    "heading_legend": "图例",
    "heading_check": "检查结果",
    "fact_grids": "微网格",
    "fact_grids_value": "{n} 个",
    "fact_households": "户数",
    "fact_population": "人口",
    "fact_coverage": "覆盖率",
    "fact_state": "状态",
    "state_locked": "已锁定(定稿)",
    "state_editing": "编辑中(未锁定)",
    "fact_table": "信息表",
    "fact_table_value": "见第 {page} 页",
    "check_clean": "✓ 无未解决的错误和警告",
    "check_open": "未解决:错误 {errors} 项,警告 {warnings} 项",
    "check_accepted": "已接受的例外 {n} 项(理由见下)",
    "accepted_heading": "已接受的例外:",
    "rest_overleaf": "其余 {n} 项见续页",
    "finding_accepted": "{i}. {message}(例外理由:{reason})",
    "households": "{n} 户",
    "table_heading": "微网格信息表",
    "table_cont": "微网格信息表(续)",
    "findings_cont": "检查问题与例外清单(续)",
    "no_grids_row": "(尚未划分微网格)",
    "col_seq": "序号",
    "col_code": "微网格编码",
    "col_name": "微网格名称",
    "col_category": "类别",
    "col_departments": "条线责任部门",
    "col_households": "户数",
    "col_level": "级别",
    "col_problem": "问题",
    "col_message": "说明",
    "col_reason": "例外理由",
    "level_accepted": "已接受例外",
    "level_error": "错误",
    "level_warning": "警告",
    "legend_unit": "本管理单元边界",
    "legend_neighbours": "相邻管理单元",
    "legend_roads": "道路",
    "legend_water": "河流水系",
    "legend_buildings": "建筑(楼栋)",
    "legend_problems": "检查问题位置",
    # street overview
    "ov_title": "{street}微网格划分总图",
    "ov_subtitle": ("{street}({code})· 管理单元 {units} 个 · 微网格 {grids} 个 · 检查:错误 "
                    "{errors} 项,警告 {warnings} 项,已接受例外 {accepted} 项"),
    "ov_footer": "{street}微网格划分图集 · 坐标系 {crs}",
    "ov_sign": "共同确认:党建办、自治办、城建中心、城运中心(数据入库前)",
    "ov_index": "管理单元索引",
    "ov_index_cont": "管理单元索引(续)",
    "ov_col_unit": "管理单元",
    "ov_col_code": "编码",
    "ov_col_type": "类型",
    "ov_col_rg": "责任网格",
    "ov_col_grids": "微网格",
    "ov_col_households": "户数",
    "ov_col_errors": "错误",
    "ov_col_page": "页码",
    "legend_unit_type": "{unit_type}单元",
    "legend_rg": "责任网格边界",
    "legend_street": "街道边界",
    # the PDF file
    "atlas_title": "{street}微网格划分图集",
    "units_title": "{names}微网格划分确认图",
    "units_more": "等",
    "list_sep": "、",
    "bookmark_overview": "{street}总图",
    "pdf_subject": "微网格划分确认图 / micro-grid sign-off sheets",
    # charts
    "chart_title": "街道微网格覆盖率",
    "chart_empty": "暂无编辑记录",
}


def st(key: str, **values: object) -> str:
    """The sheet phrase ``key`` with ``values`` filled in."""
    text = SHEET_TEXT[key]
    return text.format(**values) if values else text
