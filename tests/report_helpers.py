"""Word reports through their background job (lianjian.core.jobs): the click queues the
report, the job page (the immediate backend has already written it) offers the download."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from docx import Document

from lianjian.core.models import ReportJob

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_job(client: Client, url: str, *, method: str = "post") -> ReportJob:
    """Ask for the report at ``url`` (its old download URL) and return the job it started."""
    response = getattr(client, method)(url)
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.context["job"]


def report_download(client: Client, url: str, *, method: str = "post") -> Document:
    """The Word document of the report at ``url``, downloaded from its finished job."""
    job = report_job(client, url, method=method)
    assert job.status == ReportJob.Status.DONE, job.errors
    response = client.get(reverse("core:report_job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert "attachment" in response["Content-Disposition"]
    return Document(io.BytesIO(b"".join(response.streaming_content)))
