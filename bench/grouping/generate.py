"""Realistic grouping instances for the benchmark (``docs/grouping.md`` input format).

Model of a power company: K county seats clustered around prefecture cities (Gaussian,
~60 km) inside a province-sized box (the whole of China beyond 5,000 orgs); each county has
one lead org (the county company) at its seat; the other orgs are spread over the
counties with log-normal (skewed) weights and sit a few km from their seat (20% farther
out: rural stations). Professions and resources are drawn with Zipf-like skew; an org
has 1–2 professions, 1–3 strengths and 1–2 needs (never its own strengths).

Usage: ``python bench/grouping/generate.py N K [--seed S] [--no-leads]`` → JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

PROFESSIONS = [
    "营销服务",
    "运维检修",
    "调度控制",
    "科技信息",
    "安全监察",
    "财务资产",
    "人力资源",
    "物资供应",
    "建设管理",
    "综合管理",
    "产业单位",
    "后勤保障",
]
RESOURCES = [
    "专家团队",
    "活动阵地",
    "技术攻关",
    "培训师资",
    "应急抢修",
    "客户服务",
    "党建品牌",
    "宣传资源",
    "检测设备",
    "志愿服务",
    "安全管理",
    "创新工作室",
]


def _zipf(count: int, s: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, count + 1) ** s
    return p / p.sum()


def _offset(lat: float, lon: float, dx_km: float, dy_km: float) -> tuple[float, float]:
    lat2 = lat + dy_km / 111.2
    lon2 = lon + dx_km / (111.2 * max(0.2, math.cos(math.radians(lat))))
    return max(-89.9, min(89.9, lat2)), (lon2 + 180.0) % 360.0 - 180.0


def generate(
    n: int,
    k: int,
    seed: int = 0,
    leads: bool = True,
    min_size: int = 3,
    max_size: int | None = None,
) -> dict:
    """A deterministic instance with n orgs and k groups (k county seats)."""
    rng = np.random.default_rng(seed)
    if max_size is None:
        max_size = max(min_size + 1, math.ceil(1.5 * n / k))
    box = (38.7, 43.5, 118.8, 125.8) if n <= 5000 else (21.0, 47.0, 98.0, 128.0)
    cities = max(1, k // 7)
    city_pos = [(rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])) for _ in range(cities)]
    seats = []
    for c in range(k):
        lat, lon = city_pos[c % cities]
        seats.append(_offset(lat, lon, rng.normal(0, 60), rng.normal(0, 60)))
    weights = rng.lognormal(0.0, 0.8, size=k)
    weights /= weights.sum()
    rest = n - (k if leads else 0)
    county = rng.choice(k, size=rest, p=weights)
    pprob, rprob = _zipf(len(PROFESSIONS)), _zipf(len(RESOURCES), 0.8)
    orgs = []

    def draw(
        pool: list[str], prob: np.ndarray, count: int, exclude: set[str] = frozenset()
    ) -> list[str]:
        p = np.array([0.0 if x in exclude else q for x, q in zip(pool, prob, strict=True)])
        p /= p.sum()
        return [pool[i] for i in sorted(rng.choice(len(pool), size=count, replace=False, p=p))]

    def org(lat: float, lon: float, lead: bool, professions: list[str]) -> None:
        strengths = draw(RESOURCES, rprob, int(rng.integers(1, 4)))
        needs = draw(RESOURCES, rprob[::-1], int(rng.integers(1, 3)), set(strengths))
        number = len(orgs) + 1
        record = {
            "id": f"O{number:05d}",
            "name": f"第{number}党支部",
            "professions": professions,
            "lat": round(lat, 5),
            "lon": round(lon, 5),
            "strengths": strengths,
            "needs": needs,
        }
        if leads:
            record["lead"] = lead
        orgs.append(record)

    if leads:
        for lat, lon in seats:
            org(
                lat,
                lon,
                True,
                ["综合管理", PROFESSIONS[int(rng.choice(len(PROFESSIONS), p=pprob))]]
                if rng.random() < 0.5
                else ["综合管理"],
            )
    for c in county:
        spread = 25.0 if rng.random() < 0.2 else 6.0
        lat, lon = _offset(*seats[c], rng.normal(0, spread), rng.normal(0, spread))
        org(lat, lon, False, draw(PROFESSIONS, pprob, 1 if rng.random() < 0.7 else 2))
    for record in orgs:
        if isinstance(record["professions"], list) and len(set(record["professions"])) != len(
            record["professions"]
        ):
            record["professions"] = sorted(set(record["professions"]))
    return {
        "params": {
            "groups": k,
            "min_size": min_size,
            "max_size": max_size,
            "weights": {"profession": 1.0, "geography": 1.0, "complementarity": 1.0},
            "geo_scale_km": 30.0,
        },
        "orgs": orgs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成智能分组基准实例")
    parser.add_argument("n", type=int)
    parser.add_argument("k", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-leads", action="store_true")
    parser.add_argument("--min-size", type=int, default=3)
    parser.add_argument("--max-size", type=int)
    args = parser.parse_args(argv)
    data = generate(args.n, args.k, args.seed, not args.no_leads, args.min_size, args.max_size)
    json.dump(data, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
