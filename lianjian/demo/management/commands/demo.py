"""``lianjian demo [--if-empty]``: load the deterministic demo company and print its accounts.

Each app contributes its part, lower apps first: organisations and members, then alliances,
then activities; finally the reminders of the day are generated so the inbox is not empty.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from lianjian.alliances.demo import demo_alliances
from lianjian.notifications import reminders
from lianjian.orgs.demo import demo_load, print_accounts
from lianjian.orgs.models import Organisation


class Command(BaseCommand):
    help = "加载演示数据（国网本溪供电公司党委及所属 41 个党支部、约 600 名党员、联建网、演示账户）；重复执行不会产生重复数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="已有任何党组织时不加载（make run 使用）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Organisation.objects.exists():
            self.stdout.write("已有党组织数据，未加载演示数据。")
            print_accounts(self.stdout)
            return
        try:
            demo_load(stdout=self.stdout, accounts=False)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise SystemExit(1) from None
        made = demo_alliances()
        if any(made.values()):
            self.stdout.write(
                f"联建：新建联建 {made['alliances']} 个、协议 {made['agreements']} 份、实施方案 {made['plans']} 份。"
            )
        if apps.is_installed("lianjian.activities"):
            from lianjian.activities.demo import demo_activities

            demo_activities(stdout=self.stdout)
        if apps.is_installed("lianjian.sharing"):
            from lianjian.sharing.demo import demo_sharing

            demo_sharing(stdout=self.stdout)
        if apps.is_installed("lianjian.consultations"):
            from lianjian.consultations.demo import demo_consultations

            demo_consultations(stdout=self.stdout)
        if apps.is_installed("lianjian.keytasks"):
            from lianjian.keytasks.demo import demo_keytasks

            demo_keytasks(stdout=self.stdout)
        if apps.is_installed("lianjian.decisions"):
            from lianjian.decisions.demo import demo_decisions

            demo_decisions(stdout=self.stdout)
        if apps.is_installed("lianjian.carriers"):
            from lianjian.carriers.demo import demo_carriers

            demo_carriers(stdout=self.stdout)
        if apps.is_installed("lianjian.projects"):
            from lianjian.projects.demo import demo_projects

            demo_projects(stdout=self.stdout)
        if apps.is_installed("lianjian.supervision"):
            from lianjian.supervision.demo import demo_supervision

            demo_supervision(stdout=self.stdout)
        if apps.is_installed("lianjian.points"):
            from lianjian.points.demo import demo_points

            demo_points(stdout=self.stdout)
        if apps.is_installed("lianjian.assessment"):
            from lianjian.assessment.demo import demo_assessment

            demo_assessment(stdout=self.stdout)
        if apps.is_installed("lianjian.appraisals"):
            from lianjian.appraisals.demo import demo_appraisals

            demo_appraisals(stdout=self.stdout)
        n = sum(reminders.run(timezone.localdate()).values())
        if n:
            self.stdout.write(f"已生成今日提醒 {n} 条。")
        print_accounts(self.stdout)
