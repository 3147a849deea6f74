"""WSGI entry point: ``gunicorn lianjian.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
application = get_wsgi_application()
