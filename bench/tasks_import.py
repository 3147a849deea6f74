"""Excel import through the screen as background tasks, against a running `make run`.

    .venv/bin/python -m bench.tasks_import http://127.0.0.1:8000 PARENT_CODE [ROWS]

Logs in as the demo admin, uploads an organisations file of ROWS new branches under
PARENT_CODE (nothing is imported: the job is left at its preview), and prints the time the
upload request took (the file is stored and the validation queued) beside the time until
the worker (`lianjian db_worker`, started by `make run`) finished the validation. The
request no longer grows with the file; the validation time is what a request took before.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import sync_playwright


def workbook(path: Path, parent: str, rows: int) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党组织")
    ws.append(["组织编码", "组织名称", "组织类型", "上级组织编码"])
    stamp = int(time.time()) % 100000
    for i in range(rows):
        ws.append([f"BT{stamp}-{i:05d}", f"基准测试支部{i}", "党支部", parent])
    wb.save(path)


def main(base: str, parent: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = Path(tmp) / "orgs.xlsx"
        workbook(path, parent, rows)
        browser = p.chromium.launch(executable_path=shutil.which("chromium"))
        page = browser.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "Demo@2026")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(base + "/orgs/excel/?kind=orgs")
        token = page.input_value("input[name=csrfmiddlewaretoken]")
        started = time.perf_counter()
        response = page.request.post(
            base + "/orgs/excel/",
            multipart={
                "csrfmiddlewaretoken": token,
                "kind": "orgs",
                "file": {
                    "name": "orgs.xlsx",
                    "mimeType": "application/octet-stream",
                    "buffer": path.read_bytes(),
                },
            },
            headers={"Referer": base + "/orgs/excel/"},
            max_redirects=0,
        )
        request_s = time.perf_counter() - started
        job_url = base + response.headers["location"]
        while True:
            html = page.request.get(job_url).text()
            if "后台正在校验文件" not in html:
                break
            time.sleep(0.2)
        done_s = time.perf_counter() - started
        created = re.search(r'data-count="created">(\d+)<', html)
        print(
            f"rows={rows} upload request {request_s * 1000:.0f} ms; "
            f"validated by the worker after {done_s:.2f} s "
            f"(preview: {created.group(1) if created else 'errors'} to create); "
            f"request/validation = {request_s / done_s:.3f}"
        )
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000)
