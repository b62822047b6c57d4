"""Chinese names and texts for synthetic entities: plausible to a reader, meaningless in fact.

Kept apart from the world model so the pools can grow without touching how entities are drawn.
Every function takes the generator it draws from, so the caller's keying keeps results stable.
"""

from __future__ import annotations

import numpy as np

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国文辉林斌波宇浩凯鹏飞鑫俊峰海亮成志新春"
    "晓云德福生龙元全胜学祥才发武东荣庆永利清"
)
PLACE_1 = (
    "东西南北大小高新老长双三五黄白青石马龙凤桃李杨柳松梅竹金银河湖山岭塘桥沙田丰安乐民和兴旺富"
)
PLACE_2 = "庄集店寺圩坝湾冲畈郢营楼岗桥埠河湖山岭塘铺园坊台墩洲沟岔口林"
PRODUCTS = (
    "茶叶",
    "黄梅",
    "葡萄",
    "山核桃",
    "中药材",
    "蔬菜",
    "食用菌",
    "油茶",
    "板栗",
    "桑蚕",
    "小龙虾",
    "生猪",
    "肉牛",
    "山羊",
    "家禽",
    "花卉苗木",
    "猕猴桃",
    "草莓",
    "酥梨",
    "瓜蒌",
    "白芍",
    "石斛",
    "菊花",
    "香榧",
    "稻虾",
    "芡实",
    "莲藕",
    "红薯",
    "花生",
    "西瓜",
)
SOCIETIES = (
    "安徽省农学会",
    "安徽省畜牧兽医学会",
    "安徽省园艺学会",
    "安徽省植物保护学会",
    "安徽省茶叶学会",
    "安徽省水产学会",
    "安徽省医学会",
    "安徽省中医药学会",
    "安徽省水利学会",
    "安徽省农业工程学会",
    "安徽省林学会",
    "安徽省土壤肥料学会",
    "安徽省作物学会",
    "安徽省农业机械学会",
)
GOALS = (
    "帮助{target}发展{product}产业，实现稳定增收",
    "三年内帮助{target}掌握{product}实用技术，年增收3000元以上",
    "建成{product}标准化示范基地，辐射带动{target}脱贫",
)
TASKS = (
    "开展{product}实用技术培训每年不少于4次，培养科技示范户",
    "指导{product}品种改良和病虫害防治，推广绿色生产技术",
    "协助建立合作社和电商销售渠道，提升{product}品牌效益",
)
MEASURES = (
    "专家驻村指导、田间现场示范、远程咨询服务相结合",
    "送技术下乡、结对帮扶到户、建立示范基地",
    "集中培训与入户指导相结合，提供种苗和技术资料",
)
MECHANISMS = (
    "每月走访一次，季度考核，年终评估，县科协备案跟踪",
    "实行项目化管理，建立帮扶台账，定期报送进展",
    "签订责任书，专家与贫困户双向反馈，市科协督查",
)


def pick(rng: np.random.Generator, pool: tuple[str, ...] | str) -> str:
    return pool[int(rng.integers(len(pool)))]


def person(rng: np.random.Generator) -> str:
    given = pick(rng, GIVEN) + (pick(rng, GIVEN) if rng.random() < 0.7 else "")
    return pick(rng, SURNAMES) + given


def place(rng: np.random.Generator) -> str:
    return pick(rng, PLACE_1) + pick(rng, PLACE_2)


def township_name(rng: np.random.Generator) -> str:
    return place(rng) + ("镇" if rng.random() < 0.7 else "乡")


def village_name(rng: np.random.Generator) -> str:
    return place(rng) + ("村" if rng.random() < 0.9 else "社区")


def phone(rng: np.random.Generator) -> str:
    return "1" + pick(rng, "3589") + "".join(str(d) for d in rng.integers(0, 10, 9))


def agreement_texts(rng: np.random.Generator, target: str, product: str) -> tuple[str, ...]:
    """Goals, tasks, measures and mechanism: the four texts the rules require."""
    return (
        pick(rng, GOALS).format(target=target, product=product),
        pick(rng, TASKS).format(product=product),
        pick(rng, MEASURES),
        pick(rng, MECHANISMS),
    )
