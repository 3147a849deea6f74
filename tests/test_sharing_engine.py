"""The pure parts of resource sharing: opening hours and the matching engine (no database)."""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianjian.sharing.hours import (
    HoursError,
    describe_day,
    fits,
    format_hours,
    normalise_hours,
    parse_hours,
)
from lianjian.sharing.matching import Candidate, Target, haversine_km, suggest, tag_set

# ---- opening hours --------------------------------------------------------------------


def test_a_typical_text_is_read_and_written_canonically():
    schedule = parse_hours("周一至周五 8:30-17:30；周六 09:00-12:00 14:00～17:00")
    assert schedule == {
        0: ((510, 1050),),
        1: ((510, 1050),),
        2: ((510, 1050),),
        3: ((510, 1050),),
        4: ((510, 1050),),
        5: ((540, 720), (840, 1020)),
    }
    assert format_hours(schedule) == "周一至周五 08:30-17:30；周六 09:00-12:00 14:00-17:00"


@pytest.mark.parametrize(
    "text,canonical",
    [
        ("", ""),
        ("   ", ""),
        ("每天 8:00-20:00", "每天 08:00-20:00"),
        ("每日08:00至20:00", "每天 08:00-20:00"),
        ("星期一、星期三 09:00-11:00", "周一 09:00-11:00；周三 09:00-11:00"),
        ("周一,周二 09:00-11:00; 周三 09:00-11:00", "周一至周三 09:00-11:00"),
        ("周六-周日 00:00-24:00", "周六至周日 00:00-24:00"),
        ("周天 10:00-12:00", "周日 10:00-12:00"),
        ("周一 09:00-11:00 10:00-12:00", "周一 09:00-12:00"),
        ("周一 14:00-16:00\n周一 08:00-10:00", "周一 08:00-10:00 14:00-16:00"),
        ("周二至周日 9：00-16：30", "周二至周日 09:00-16:30"),
    ],
)
def test_texts_normalise(text, canonical):
    assert normalise_hours(text) == canonical


@pytest.mark.parametrize(
    "text,message",
    [
        ("上午 9:00-11:00", "应以星期开头"),
        ("周一", "时间段应写成"),
        ("周一 9点到11点", "时间段应写成"),
        ("周五至周一 09:00-11:00", "起止顺序不对"),
        ("周一 11:00-09:00", "结束时间应晚于开始时间"),
        ("周一 09:00-25:00", "不存在"),
        ("周一 24:00-24:00", "不存在"),
        ("周一 09:60-11:00", "不存在"),
        ("周一 09:00-11:00 其他", "时间段应写成"),
    ],
)
def test_bad_texts_are_refused_with_a_reason(text, message):
    with pytest.raises(HoursError) as exc:
        parse_hours(text)
    assert message in str(exc.value)


def _dt(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute)  # 2026-03-02 is a Monday


def test_a_slot_fits_only_inside_one_range_of_its_day():
    s = parse_hours("周一至周五 08:30-17:30；周六 09:00-12:00")
    assert fits(s, _dt(2, 8, 30), _dt(2, 17, 30))
    assert fits(s, _dt(7, 9), _dt(7, 12))
    assert not fits(s, _dt(2, 8, 0), _dt(2, 9))  # starts before opening
    assert not fits(s, _dt(7, 11), _dt(7, 12, 30))  # Saturday closes at noon
    assert not fits(s, _dt(8, 9), _dt(8, 10))  # Sunday closed
    assert not fits(s, _dt(2, 16), _dt(3, 9))  # spans two days
    assert not fits(s, _dt(2, 10), _dt(2, 10))  # empty
    assert fits(None, _dt(2, 23), _dt(5, 1))  # no schedule: anything
    whole = parse_hours("每天 00:00-24:00")
    assert fits(whole, _dt(2, 22), _dt(3, 0))  # until midnight is 24:00


def test_a_day_is_described():
    s = parse_hours("周一 09:00-11:00 14:00-16:00")
    assert describe_day(s, datetime.date(2026, 3, 2)) == "09:00-11:00 14:00-16:00"
    assert describe_day(s, datetime.date(2026, 3, 3)) == "不开放"
    assert describe_day(None, datetime.date(2026, 3, 3)) == "全天"


ranges = st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 240)), min_size=1, max_size=3)
schedules = st.dictionaries(st.integers(0, 6), ranges, min_size=1)


def _schedule(raw):
    text = "；".join(
        f"周{'一二三四五六日'[d]} "
        + " ".join(
            f"{a // 60:02d}:{a % 60:02d}-{min(a + n, 1440) // 60:02d}:{min(a + n, 1440) % 60:02d}"
            for a, n in rs
            if a + n <= 1440 and n > 0
        )
        for d, rs in raw.items()
        if any(a + n <= 1440 for a, n in rs)
    )
    return text


@settings(max_examples=200, deadline=None)
@given(schedules)
def test_parse_and_format_round_trip(raw):
    text = _schedule(raw)
    if not text:
        return
    parsed = parse_hours(text)
    assert parse_hours(format_hours(parsed)) == parsed
    assert normalise_hours(format_hours(parsed)) == format_hours(parsed)


@settings(max_examples=200, deadline=None)
@given(schedules, st.integers(0, 6), st.integers(0, 1439), st.integers(1, 600), st.integers(0, 60))
def test_a_fitting_slot_still_fits_when_shrunk(raw, weekday, start, length, cut):
    text = _schedule(raw)
    if not text:
        return
    s = parse_hours(text)
    day = datetime.datetime(2026, 3, 2) + datetime.timedelta(days=weekday)
    a = day + datetime.timedelta(minutes=start)
    b = a + datetime.timedelta(minutes=length)
    if fits(s, a, b) and cut * 2 < length:
        assert fits(s, a + datetime.timedelta(minutes=cut), b - datetime.timedelta(minutes=cut))


# ---- matching ---------------------------------------------------------------------------


def test_more_shared_tags_win_before_distance():
    target = Target(("安全培训", "活动阵地"), 41.30, 123.70)
    near_one = Candidate("near", ("活动阵地",), 41.301, 123.701)
    far_two = Candidate("far", ("活动阵地", "安全培训", "其他"), 45.0, 126.0)
    none = Candidate("none", ("财务管理",), 41.30, 123.70)
    result = suggest(target, [near_one, none, far_two])
    assert [s.key for s in result] == ["far", "near"]
    assert result[0].shared == ("安全培训", "活动阵地")
    assert result[1].distance_km == pytest.approx(0.14, abs=0.01)


def test_equal_overlap_is_ordered_by_distance_then_unlocated_then_key():
    target = Target(("活动阵地",), 41.30, 123.70)
    cands = [
        Candidate("z-nowhere", ("活动阵地",)),
        Candidate("b-far", ("活动阵地",), 41.5, 124.0),
        Candidate("a-near", ("活动阵地",), 41.31, 123.71),
        Candidate("a-nowhere", ("活动阵地",)),
    ]
    assert [s.key for s in suggest(target, cands)] == ["a-near", "b-far", "a-nowhere", "z-nowhere"]


def test_tags_match_case_and_space_insensitively_and_count_once():
    target = Target(("AI 应用", "数字化"))
    result = suggest(target, [Candidate("x", ("ai  应用", "AI 应用", "数字化"))])
    assert result[0].shared == ("ai 应用", "数字化")
    assert result[0].overlap == 2
    assert result[0].distance_km is None


def test_no_tags_or_no_limit_suggest_nothing():
    assert suggest(Target(()), [Candidate("x", ("a",))]) == []
    assert suggest(Target(("a",)), [Candidate("x", ("a",))], limit=0) == []


def test_haversine_knows_a_real_distance():
    # 本溪 (41.29, 123.77) to 沈阳 (41.80, 123.43): about 64 km.
    assert haversine_km(41.29, 123.77, 41.80, 123.43) == pytest.approx(63.6, abs=1.0)


tags = st.lists(
    st.sampled_from(["活动阵地", "安全培训", "技术攻关", "数字化", "红色教育", "培训师资"]),
    max_size=4,
)
lat = st.one_of(st.none(), st.floats(-89, 89))
lon = st.floats(-179, 179)
candidates = st.lists(
    st.builds(
        lambda k, t, la, lo: Candidate(f"c{k}", tuple(t), la, lo if la is not None else None),
        st.integers(0, 10**6),
        tags,
        lat,
        lon,
    ),
    max_size=25,
    unique_by=lambda c: c.key,
)


@settings(max_examples=300, deadline=None)
@given(tags, lat, lon, candidates, st.integers(1, 30))
def test_suggestions_follow_the_rule(wanted, la, lo, cands, limit):
    target = Target(tuple(wanted), la, lo if la is not None else None)
    result = suggest(target, cands, limit=limit)
    wanted_set = tag_set(wanted)
    assert len(result) <= limit
    assert len({s.key for s in result}) == len(result)
    for s in result:
        assert s.overlap >= 1
        offered = next(c for c in cands if c.key == s.key)
        assert tag_set(s.shared) == tag_set(offered.tags) & wanted_set
    keys = [(-s.overlap, s.distance_km is None, s.distance_km or 0.0, s.key) for s in result]
    assert keys == sorted(keys)
    # Everything left out ranks no better than the last one shown.
    if len(result) == limit:
        everything = suggest(target, cands, limit=10**6)
        assert everything[:limit] == result


@settings(max_examples=200, deadline=None)
@given(tags, lat, lon, candidates)
def test_suggestions_ignore_input_order_and_unrelated_candidates(wanted, la, lo, cands):
    target = Target(tuple(wanted), la, lo if la is not None else None)
    result = suggest(target, cands)
    assert suggest(target, list(reversed(cands))) == result
    assert suggest(target, [*cands, Candidate("zzz-unrelated", ("完全无关",), 0, 0)]) == result


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.floats(-180, 180),
)
def test_haversine_is_a_metric_on_the_sphere(a1, o1, a2, o2, a3, o3):
    d12 = haversine_km(a1, o1, a2, o2)
    assert d12 == pytest.approx(haversine_km(a2, o2, a1, o1), abs=1e-6)
    assert haversine_km(a1, o1, a1, o1) == pytest.approx(0, abs=1e-6)
    assert 0 <= d12 <= math.pi * 6371.0088 + 1e-6
    assert haversine_km(a1, o1, a3, o3) <= d12 + haversine_km(a2, o2, a3, o3) + 1e-6
