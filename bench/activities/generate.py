"""Generate a State Grid-scale year of organisational life on PostgreSQL, server-side.

37,000 organisations (a root 党委, 18 党委 of 2,000 党支部 each, 981 党小组), 360,000
members (10 full members per branch), ~1.2 million activities of 2025 (per branch 12 主题党日,
12 支委会, 4 支部党员大会, 4 党课, 1 组织生活会, 1 民主评议党员; 12 党小组会 per group; ~3 %
dropped at random to make gaps; 5 % of 主题党日 joint with the next branch) and 10
attendance rows per branch activity (~12 million). Everything is ``INSERT … SELECT
generate_series`` inside PostgreSQL: no row crosses the wire.

Usage: ``LIANJIAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lj_bench_act python -m bench.activities.generate``
(the database must exist and be migrated; existing rows of these tables are removed).
"""

from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
django.setup()

from django.db import connection  # noqa: E402

COMMITTEES = 18
BRANCHES_PER = 2000
GROUPS = 981
MEMBERS_PER = 10

STEPS = [
    (
        "clear",
        """TRUNCATE activities_attendance, activities_activityorg, activities_activity, orgs_member,
                 orgs_membertransfer, alliances_alliancemember, accounts_user_groups, accounts_user_user_permissions,
                 notifications_notification, accounts_apitoken, accounts_user, alliances_alliance,
                 orgs_organisation RESTART IDENTITY CASCADE""",
    ),
    (
        "orgs",
        f"""
        INSERT INTO orgs_organisation (id, code, name, kind, parent_id, path, depth, is_partner, partner_kind, is_temporary,
            is_joint, is_functional, unit, professions, address, strengths, needs, initials, created_at, updated_at)
        SELECT 1, 'ROOT', '集团党组', '党委', NULL, '/ROOT/', 0, false, '', false, false, false, '', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, '', now(), now()
        UNION ALL
        SELECT 1 + c, 'DW' || lpad(c::text, 2, '0'), '二级单位党委' || c, '党委', 1, '/ROOT/DW' || lpad(c::text, 2, '0') || '/', 1,
            false, '', false, false, false, '', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, '', now(), now()
        FROM generate_series(1, {COMMITTEES}) c
        UNION ALL
        SELECT 100 + b, 'ZB' || lpad(b::text, 6, '0'), '党支部' || b, '党支部', 2 + (b - 1) / {BRANCHES_PER},
            '/ROOT/DW' || lpad((1 + (b - 1) / {BRANCHES_PER})::text, 2, '0') || '/ZB' || lpad(b::text, 6, '0') || '/', 2,
            false, '', false, false, false, '', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, '', now(), now()
        FROM generate_series(1, {COMMITTEES * BRANCHES_PER}) b
        UNION ALL
        SELECT 100000 + g, 'XZ' || lpad(g::text, 6, '0'), '党小组' || g, '党小组', 100 + g,
            '/ROOT/DW' || lpad((1 + (g - 1) / {BRANCHES_PER})::text, 2, '0') || '/ZB' || lpad(g::text, 6, '0') || '/XZ' || lpad(g::text, 6, '0') || '/', 3,
            false, '', false, false, false, '', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, '', now(), now()
        FROM generate_series(1, {GROUPS}) g""",
    ),
    (
        "members",
        f"""
        INSERT INTO orgs_member (id, number, name, initials, gender, org_id, category, joined_on, post, job, phone,
            id_number, is_floating, left_reason, created_at, updated_at)
        SELECT m, 'M' || lpad(m::text, 7, '0'), '党员' || m, 'dy', '男', 100 + (m - 1) / {MEMBERS_PER} + 1, '正式党员',
            DATE '2010-07-01', CASE WHEN (m - 1) % {MEMBERS_PER} < 3 THEN '委员' ELSE '' END, '', '', '', false, '', now(), now()
        FROM generate_series(1, {COMMITTEES * BRANCHES_PER * MEMBERS_PER}) m""",
    ),
    (
        "activities",
        f"""
        CREATE TEMP TABLE plan AS
        SELECT b, t.type, t.slot, t.month FROM generate_series(1, {COMMITTEES * BRANCHES_PER}) b
        CROSS JOIN (
            SELECT '主题党日' AS type, m AS slot, m AS month FROM generate_series(1, 12) m
            UNION ALL SELECT '支部委员会', 12 + m, m FROM generate_series(1, 12) m
            UNION ALL SELECT '支部党员大会', 24 + q, 3 * q - 1 FROM generate_series(1, 4) q
            UNION ALL SELECT '党课', 28 + q, 3 * q FROM generate_series(1, 4) q
            UNION ALL SELECT '组织生活会', 33, 2 UNION ALL SELECT '民主评议党员', 34, 2
        ) t
        WHERE hashtext(b::text || ':' || t.slot::text) % 100 <> 0 AND hashtext(t.slot::text || '/' || b::text) % 50 <> 0;
        INSERT INTO activities_activity (id, code, type, sub_kind, host_id, start, "end", venue, topic, minutes, lecturer,
            host_person, recorder, status, return_reason, expected_count, present_count, is_valid, void_reason, for_year, created_at, updated_at)
        SELECT b * 40 + slot, 'A' || b || '-' || slot, type, '', 100 + b,
            make_timestamptz(2025, month, 1 + abs(hashtext(b::text || type)) % 28, 9, 0, 0, 'Asia/Shanghai'),
            NULL, '', type, '', '', '', '', '已通过', '', {MEMBERS_PER}, {MEMBERS_PER} - abs(hashtext(b::text || slot::text)) % 3,
            true, '', 2025, now(), now()
        FROM plan;
        INSERT INTO activities_activity (id, code, type, sub_kind, host_id, start, "end", venue, topic, minutes, lecturer,
            host_person, recorder, status, return_reason, expected_count, present_count, is_valid, void_reason, for_year, created_at, updated_at)
        SELECT 10000000 + g * 20 + m, 'G' || g || '-' || m, '党小组会', '', 100000 + g,
            make_timestamptz(2025, m, 10, 17, 0, 0, 'Asia/Shanghai'), NULL, '', '党小组会', '', '', '', '', '已通过', '',
            NULL, NULL, true, '', 2025, now(), now()
        FROM generate_series(1, {GROUPS}) g CROSS JOIN generate_series(1, 12) m""",
    ),
    (
        "links",
        f"""
        INSERT INTO activities_activityorg (activity_id, org_id, position, start, type, status, is_valid, for_year)
        SELECT id, host_id, 0, start, type, status, is_valid, for_year FROM activities_activity;
        INSERT INTO activities_activityorg (activity_id, org_id, position, start, type, status, is_valid, for_year)
        SELECT id, host_id + 1, 1, start, type, status, is_valid, for_year FROM activities_activity
        WHERE type = '主题党日' AND (id / 40) % 20 = 0 AND host_id < 100 + {COMMITTEES * BRANCHES_PER}""",
    ),
    (
        "attendance",
        f"""
        INSERT INTO activities_attendance (activity_id, member_id, status, reason, checked_in_at, method)
        SELECT a.id, (a.host_id - 101) * {MEMBERS_PER} + k + 1,
            CASE WHEN k < a.present_count THEN '出席' ELSE '请假' END,
            CASE WHEN k < a.present_count THEN '' ELSE '出差' END,
            CASE WHEN k < a.present_count THEN a.start ELSE NULL END,
            CASE WHEN k < a.present_count THEN '扫码' ELSE '' END
        FROM activities_activity a CROSS JOIN generate_series(0, {MEMBERS_PER - 1}) k
        WHERE a.host_id < 100000""",
    ),
    (
        "sequences",
        """
        SELECT setval(pg_get_serial_sequence('orgs_organisation', 'id'), (SELECT max(id) FROM orgs_organisation));
        SELECT setval(pg_get_serial_sequence('orgs_member', 'id'), (SELECT max(id) FROM orgs_member));
        SELECT setval(pg_get_serial_sequence('activities_activity', 'id'), (SELECT max(id) FROM activities_activity))""",
    ),
    ("analyze", "ANALYZE"),
]


def main() -> None:
    total = time.perf_counter()
    with connection.cursor() as cursor:
        for name, sql in STEPS:
            start = time.perf_counter()
            for statement in sql.split(";\n"):
                if statement.strip():
                    cursor.execute(statement)
            print(f"{name:12s} {time.perf_counter() - start:7.1f} s", flush=True)
        for table in (
            "orgs_organisation",
            "orgs_member",
            "activities_activity",
            "activities_activityorg",
            "activities_attendance",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"{table:28s} {cursor.fetchone()[0]:>12,}")
    print(f"total        {time.perf_counter() - total:7.1f} s")


if __name__ == "__main__":
    main()
