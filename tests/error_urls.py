"""URLconf for tests/test_error_pages.py: the product's URLs and error handlers, plus two views
that fail the way a bug would (one on a screen path, one under /api/ outside ninja)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from lianjian.urls import *  # noqa: F403 - the product's error handlers (handler400 …), read by Django here
from lianjian.urls import urlpatterns as product_urlpatterns

SECRET = "秘密细节 RuntimeError at /var/lib/lianjian password=hunter2"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


urlpatterns = [
    path("test-boom/", boom),
    path("api/test-boom/", boom),
    *product_urlpatterns,
]
