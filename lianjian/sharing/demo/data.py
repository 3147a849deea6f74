"""The demo records of resource sharing: resources, booking purposes, needs, projects and
matches, as tables of one row per record."""

from __future__ import annotations

import datetime
from typing import Any

from lianjian.activities.selectors import TZ
from lianjian.sharing.models import (
    MatchStatus,
    NeedStatus,
    ProjectStatus,
    ResourceKind,
    SharingLevel,
)

REFERENCE = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=TZ)
YEAR = 2026
WEEKDAYS_ONLY = "周一至周五 08:30-17:30"
WITH_SATURDAY = "周一至周五 08:30-17:30；周六 09:00-12:00"
BASE_HOURS = "周二至周日 09:00-16:30"
PEOPLE_HOURS = "周一至周五 09:00-17:00"

V, R, B = ResourceKind.VENUE, ResourceKind.ROOM, ResourceKind.BASE
ALLIANCE, COMPANY, OWN = SharingLevel.ALLIANCE, SharingLevel.COMPANY, SharingLevel.OWN

# (code, name, kind, owner, sharing, capacity, address, lat, lon, hours, equipment, tags)
# fmt: off
VENUES: tuple[tuple[Any, ...], ...] = (
    ("BX-ZY-001", "220千伏本溪变电站党员活动室", R, "BX-ZB15", ALLIANCE, 30, "平山区220千伏本溪变电站综合楼二层", 41.2838, 123.7472, WEEKDAYS_ONLY, ("投影仪", "党建书架", "视频会议终端"), ("活动阵地", "安全培训")),
    ("BX-ZY-002", "66千伏牛心台变电站党员活动室", R, "BX-ZB17", ALLIANCE, 20, "明山区牛心台街道66千伏牛心台变电站", 41.3275, 123.8651, WEEKDAYS_ONLY, ("投影仪", "白板"), ("活动阵地",)),
    ("BX-ZY-003", "66千伏火连寨变电站党员活动室", R, "BX-ZB10", ALLIANCE, 16, "溪湖区火连寨镇66千伏火连寨变电站", 41.3838, 123.6415, WEEKDAYS_ONLY, ("电视", "党建书架"), ("活动阵地", "无人机巡检")),
    ("BX-ZY-004", "桥头供电所党员活动室", R, "BX-ZB40", ALLIANCE, 24, "南芬区思山岭街道桥头供电所", 41.1775, 123.7268, WITH_SATURDAY, ("投影仪", "音响"), ("活动阵地", "志愿服务")),
    ("BX-ZY-005", "连山关供电所党员活动室", R, "BX-ZB41", COMPANY, 20, "本溪县连山关镇连山关供电所", 40.945, 123.795, WITH_SATURDAY, ("投影仪", "党员学习角"), ("活动阵地", "客户服务")),
    ("BX-ZY-006", "草河口供电所党员活动室", R, "BX-ZB28", ALLIANCE, 18, "本溪县草河口镇草河口供电所", 40.8733, 123.8999, WEEKDAYS_ONLY, ("电视", "白板"), ("活动阵地", "应急抢修")),
    ("BX-ZY-007", "田师付供电所党员活动室", R, "BX-ZB29", ALLIANCE, 20, "本溪县田师付镇田师付供电所", 41.4108, 124.4325, WEEKDAYS_ONLY, ("投影仪",), ("活动阵地", "志愿服务")),
    ("BX-ZY-008", "桓仁镇供电所党员活动室", R, "BX-ZB22", ALLIANCE, 25, "桓仁县桓仁镇供电所", 41.2742, 125.3521, WITH_SATURDAY, ("投影仪", "音响", "党建书架"), ("活动阵地", "客户服务")),
    ("BX-ZY-009", "二棚甸子供电所党员活动室", R, "BX-ZB23", ALLIANCE, 12, "桓仁县二棚甸子镇供电所", 41.06, 125.52, WEEKDAYS_ONLY, ("电视",), ("活动阵地",)),
    ("BX-ZY-010", "平山区供电公司党员活动室", R, "BX-ZB01", ALLIANCE, 40, "平山区人民路平山区供电公司三楼", 41.299, 123.7686, WITH_SATURDAY, ("投影仪", "音响", "视频会议终端", "党建书架"), ("活动阵地", "党建品牌")),
    ("BX-ZY-011", "溪湖区供电公司党员活动室", R, "BX-ZB07", ALLIANCE, 35, "溪湖区河沿街溪湖区供电公司", 41.329, 123.7676, WEEKDAYS_ONLY, ("投影仪", "音响"), ("活动阵地", "应急抢修")),
    ("BX-ZY-012", "明山区供电公司党员活动室", R, "BX-ZB13", ALLIANCE, 30, "明山区明山路明山区供电公司", 41.303, 123.817, WEEKDAYS_ONLY, ("投影仪", "党员学习角"), ("活动阵地", "带电作业")),
    ("BX-ZY-013", "本溪县供电公司党员活动室", R, "BX-ZB24", COMPANY, 40, "本溪县小市镇本溪县供电公司", 41.3017, 124.1263, WITH_SATURDAY, ("投影仪", "音响", "视频会议终端"), ("活动阵地", "政企协调")),
    ("BX-ZY-014", "南芬区供电公司党员活动室", R, "BX-ZB36", ALLIANCE, 30, "南芬区南芬街道南芬区供电公司", 41.1009, 123.745, WEEKDAYS_ONLY, ("投影仪", "红色书架"), ("活动阵地", "红色教育")),
    ("BX-ZY-015", "高新区供电公司党建活动中心", V, "BX-ZB30", COMPANY, 60, "高新区石桥子高新区供电公司一楼", 41.372, 123.605, WITH_SATURDAY, ("LED 大屏", "音响", "视频会议终端", "党建展板"), ("活动阵地", "党建品牌", "宣传报道")),
    ("BX-ZY-016", "公司本部党建阵地（党员之家）", V, "BX-ZB37", COMPANY, 80, "平山区胜利路公司本部五楼", 41.2954, 123.7665, WEEKDAYS_ONLY, ("LED 大屏", "音响", "同声录播"), ("活动阵地", "党建品牌")),
    ("BX-ZY-017", "桓仁县供电公司“红色电网”党建阵地", V, "BX-ZB18", ALLIANCE, 50, "桓仁县桓仁镇桓仁县供电公司", 41.2673, 125.3608, WITH_SATURDAY, ("投影仪", "音响", "党史展陈"), ("活动阵地", "红色教育")),
    ("BX-ZY-018", "带电作业实训基地（党员教育基地）", B, "BX-ZB11", COMPANY, 45, "明山区带电作业实训基地", 41.312, 123.798, BASE_HOURS, ("实训线路", "绝缘工器具展示", "多媒体教室"), ("实践基地", "带电作业", "安全培训")),
    ("BX-ZY-019", "技能培训中心安全教育基地", B, "BX-ZB39", COMPANY, 60, "溪湖区技能培训基地", 41.325, 123.782, BASE_HOURS, ("安全体验馆", "VR 安全培训", "多媒体教室"), ("安全培训", "实践基地", "培训师资")),
    ("BX-ZY-020", "桓仁县抗联红色教育基地", B, "WB-HRXZF", ALLIANCE, 100, "桓仁县抗联纪念馆", 41.269, 125.3655, BASE_HOURS, ("展馆", "讲解员", "多媒体教室"), ("红色教育", "实践基地")),
)
# fmt: on

# (code, name, kind, owner, sharing, expertise, contact)
# fmt: off
PEOPLE: tuple[tuple[Any, ...], ...] = (
    ("BX-ZY-101", "变电设备状态检修专家", ResourceKind.EXPERT, "BX-ZB16", COMPANY, ("技术攻关", "设备管理", "变电检修")),
    ("BX-ZY-102", "带电作业首席技师", ResourceKind.EXPERT, "BX-ZB11", COMPANY, ("带电作业", "技术攻关", "安全培训")),
    ("BX-ZY-103", "无人机巡检技术专家", ResourceKind.EXPERT, "BX-ZB10", ALLIANCE, ("无人机巡检", "数字化")),
    ("BX-ZY-104", "配网数字化专家", ResourceKind.EXPERT, "BX-ZB31", COMPANY, ("数字化", "技术攻关")),
    ("BX-ZY-105", "电网规划与政企协调专家", ResourceKind.EXPERT, "BX-ZB03", COMPANY, ("电网规划", "政企协调")),
    ("BX-ZY-106", "优质服务与营商环境专家", ResourceKind.EXPERT, "BX-ZB19", ALLIANCE, ("客户服务", "政企协调")),
    ("BX-ZY-107", "党课宣讲讲师（党委党建部）", ResourceKind.LECTURER, "BX-ZB37", COMPANY, ("党建品牌", "培训师资", "宣传报道")),
    ("BX-ZY-108", "安全生产警示教育讲师", ResourceKind.LECTURER, "BX-ZB08", COMPANY, ("安全培训", "培训师资")),
    ("BX-ZY-109", "劳模创新工作室技术讲师", ResourceKind.LECTURER, "BX-ZB33", COMPANY, ("技术攻关", "青年人才", "培训师资")),
    ("BX-ZY-110", "电力应急抢修专家", ResourceKind.EXPERT, "BX-ZB12", ALLIANCE, ("应急抢修", "物资保障")),
)
# fmt: on

# (code, name, kind, owner, sharing, hours, tags, description)
# fmt: off
THINGS: tuple[tuple[Any, ...], ...] = (
    ("BX-ZY-201", "多旋翼无人机巡检套装", ResourceKind.EQUIPMENT, "BX-ZB10", ALLIANCE, "每天 07:00-19:00", ("无人机巡检",), "含 2 架多旋翼无人机、备用电池 6 块，须由持证人员操作"),
    ("BX-ZY-202", "应急发电车（400千瓦）", ResourceKind.EQUIPMENT, "BX-ZB12", COMPANY, "", ("应急抢修", "志愿服务"), "用于重要活动保电和应急抢修，随车配 2 名操作人员"),
    ("BX-ZY-203", "移动党建宣传车", ResourceKind.EQUIPMENT, "BX-ZB37", COMPANY, "周一至周五 08:00-18:00", ("宣传报道", "志愿服务"), "配 LED 屏和音响，用于进社区、进乡村宣传"),
    ("BX-ZY-204", "便携式投影音响设备", ResourceKind.EQUIPMENT, "BX-ZB05", ALLIANCE, "周一至周五 08:30-17:30", ("活动阵地",), "1 台投影仪、1 套无线话筒音响"),
    ("BX-ZY-301", "党课：“电力先锋”精神的时代内涵", ResourceKind.COURSE, "BX-ZB37", COMPANY, PEOPLE_HOURS, ("党建品牌", "培训师资"), "时长 90 分钟，可到基层支部现场讲授"),
    ("BX-ZY-302", "专题课：安全生产责任与典型事故警示", ResourceKind.COURSE, "BX-ZB08", COMPANY, PEOPLE_HOURS, ("安全培训",), "时长 120 分钟，含案例研讨"),
    ("BX-ZY-303", "专题课：优化电力营商环境政策解读", ResourceKind.COURSE, "BX-ZB19", ALLIANCE, PEOPLE_HOURS, ("客户服务", "政企协调"), "面向政府部门和社区的联学课程"),
    ("BX-ZY-304", "专题课：配网数字化转型实践", ResourceKind.COURSE, "BX-ZB31", COMPANY, PEOPLE_HOURS, ("数字化", "技术攻关"), "时长 90 分钟"),
)
# fmt: on

PURPOSES = (
    "主题党日：重温入党誓词",
    "联建网党课互讲",
    "支部党员大会",
    "“安全生产月”警示教育",
    "党员志愿服务培训",
    "理论联学：学习党的二十届四中全会精神",
    "政企联建座谈会",
    "党日交流·攻坚现场观摩",
    "青年党员读书分享会",
    "“岗区队”创建经验交流",
    "党建+营销服务联学",
    "迎峰度冬保供电动员会",
)
DECLINE_REASONS = (
    "该时段已安排变电站检修作业，活动室暂停开放",
    "活动室设备检修，请改约下周",
    "同一时段已承接上级检查，请另选时间",
)
CANCEL_REASONS = ("抢修任务冲突，活动改期", "上级会议调整，取消本次预约", "")
SLOTS = ((9, 0, 11, 30), (14, 30, 17, 0), (9, 30, 11, 30), (14, 0, 16, 0))

# (code, org, title, tags, sharing, status, needed_by, description, created)
# fmt: off
NEEDS: tuple[tuple[Any, ...], ...] = (
    ("XQ2026-001", "BX-ZB23", "供电所缺少固定党员活动阵地", ("活动阵地",), COMPANY, NeedStatus.MATCHED, "2026-06-30", "二棚甸子供电所仅 3 名党员，无独立活动室，希望就近共用活动阵地开展主题党日。", "2026-02-10"),
    ("XQ2026-002", "BX-ZB21", "计量装置故障快速研判技术支持", ("技术攻关", "数字化"), COMPANY, NeedStatus.OPEN, "2026-12-31", "新一代智能电表批量故障研判，需要数字化和技术攻关力量支持。", "2026-09-15"),
    ("XQ2026-003", "BX-ZB29", "农村党员安全用电培训师资", ("安全培训", "培训师资"), COMPANY, NeedStatus.MATCHED, "2026-05-31", "田师付镇农村党员和村干部安全用电培训，需要讲师和课程。", "2026-03-02"),
    ("XQ2026-004", "WB-HRXZF", "乡村振兴示范村电力保障", ("应急抢修", "客户服务"), ALLIANCE, NeedStatus.OPEN, "2026-12-20", "桓仁县 5 个乡村振兴示范村冬季用电保障，需要供电所协同服务。", "2026-10-08"),
    ("XQ2026-005", "WB-ZQSQ", "社区老旧小区用电安全宣传", ("安全培训", "志愿服务", "客户服务"), ALLIANCE, NeedStatus.MATCHED, "2026-07-31", "站前社区老旧小区用电安全宣传进楼入户。", "2026-04-12"),
    ("XQ2026-006", "BX-ZB27", "项目临时党支部开展党课缺场地和讲师", ("活动阵地", "培训师资"), COMPANY, NeedStatus.OPEN, "2026-12-15", "220千伏输变电工程项目部地处连山关镇，临时党支部需要就近场地和党课讲师。", "2026-10-20"),
    ("XQ2026-007", "BX-ZB33", "劳模工作室成果宣传推广", ("宣传报道",), COMPANY, NeedStatus.CLOSED, "2026-04-30", "劳模创新工作室成果需要宣传报道支持。", "2026-01-18"),
    ("XQ2026-008", "WB-LNKJXY", "学生党员电力实践基地", ("实践基地",), ALLIANCE, NeedStatus.MATCHED, "2026-09-30", "辽宁科技学院电气专业学生党员暑期实践，需要实训基地。", "2026-05-06"),
    ("XQ2026-009", "BX-ZB40", "青年党员技能提升带教", ("青年人才", "技术攻关"), COMPANY, NeedStatus.OPEN, "2026-12-31", "思山岭供电所青年党员配网运维技能带教。", "2026-11-02"),
    ("XQ2026-010", "BX-ZB04", "物资仓储数字化管理经验", ("数字化",), COMPANY, NeedStatus.OPEN, "2027-03-31", "物资供应中心希望学习仓储数字化管理经验。", "2026-11-10"),
)
# fmt: on

# (code, org, title, tags, wanted, status, start, end, description, created)
# fmt: off
PROJECTS: tuple[tuple[Any, ...], ...] = (
    ("XM2026-001", "BX-ZB30", "配网故障智能研判攻关项目", ("科技创新", "数字化"), ("专家团队", "技术攻关", "数字化"), ProjectStatus.ONGOING, "2026-03-01", "2026-12-31", "党建+科技创新联建网以项目“招标”形式组织攻关。", "2026-02-20"),
    ("XM2026-002", "BX-ZB18", "乡村振兴电力保障示范村创建", ("乡村振兴", "客户服务"), ("应急抢修", "客户服务", "志愿服务"), ProjectStatus.RECRUITING, "2026-10-01", "2027-06-30", "与桓仁县政府共建 5 个示范村。", "2026-09-25"),
    ("XM2026-003", "BX-ZB14", "变电设备带电检测技能比武", ("设备管理",), ("培训师资", "带电作业", "实践基地"), ProjectStatus.DONE, "2026-04-01", "2026-06-30", "党建+设备管理联建网年度技能比武。", "2026-03-10"),
    ("XM2026-004", "BX-ZB19", "“电力便民服务站”进社区", ("客户服务", "志愿服务"), ("志愿服务", "活动阵地", "宣传报道"), ProjectStatus.ONGOING, "2026-05-01", "2026-12-31", "与站前社区共建便民服务站。", "2026-04-15"),
    ("XM2026-005", "BX-ZB39", "安全培训 VR 课程共建共享", ("安全培训",), ("培训师资", "数字化", "安全培训"), ProjectStatus.RECRUITING, "2026-12-01", "2027-05-31", "开发 VR 安全培训课程，向联建单位开放。", "2026-11-05"),
)
# fmt: on

# (source code, target "resource:CODE" / "org:CODE", status, note, day)
# fmt: off
MATCHES: tuple[tuple[str, str, str, str, str], ...] = (
    ("XQ2026-001", "resource:BX-ZY-008", MatchStatus.AGREED, "每月主题党日共用桓仁镇供电所活动室", "2026-02-14"),
    ("XQ2026-001", "org:BX-ZB18", MatchStatus.AGREED, "桓仁县供电公司党支部结对帮扶，联合开展组织生活", "2026-02-14"),
    ("XQ2026-003", "resource:BX-ZY-108", MatchStatus.AGREED, "安全生产警示教育讲师送课下乡", "2026-03-08"),
    ("XQ2026-003", "resource:BX-ZY-019", MatchStatus.DROPPED, "距离较远，改为讲师上门", "2026-03-08"),
    ("XQ2026-005", "org:BX-ZB19", MatchStatus.AGREED, "营销服务中心党员志愿服务队进社区", "2026-04-16"),
    ("XQ2026-005", "resource:BX-ZY-203", MatchStatus.AGREED, "移动党建宣传车进社区", "2026-04-18"),
    ("XQ2026-008", "resource:BX-ZY-018", MatchStatus.AGREED, "暑期在带电作业实训基地实践两周", "2026-05-12"),
    ("XQ2026-002", "resource:BX-ZY-104", MatchStatus.PROPOSED, "约请配网数字化专家现场研判", "2026-09-20"),
    ("XQ2026-004", "org:BX-ZB22", MatchStatus.PROPOSED, "桓仁镇供电所牵头保障", "2026-10-10"),
    ("XQ2026-007", "org:BX-ZB37", MatchStatus.AGREED, "党委党建部组织专题报道", "2026-01-25"),
    ("XM2026-001", "org:BX-ZB31", MatchStatus.AGREED, "信息通信分公司提供数据平台", "2026-02-25"),
    ("XM2026-001", "resource:BX-ZY-104", MatchStatus.AGREED, "配网数字化专家加入攻关组", "2026-02-25"),
    ("XM2026-001", "org:WB-LNKJXY", MatchStatus.PROPOSED, "校企联合研发算法", "2026-03-05"),
    ("XM2026-002", "org:BX-ZB22", MatchStatus.PROPOSED, "", "2026-09-28"),
    ("XM2026-003", "resource:BX-ZY-102", MatchStatus.AGREED, "带电作业首席技师担任裁判", "2026-03-15"),
    ("XM2026-004", "org:WB-ZQSQ", MatchStatus.AGREED, "社区提供服务站场地", "2026-04-20"),
)
# fmt: on
