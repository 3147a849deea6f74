"""WSGI entry point of the production server: ``gunicorn lianjian.wsgi``.

Loaded first by the server, it chooses the production server's defaults before the
settings are read (an explicit environment variable still wins): database connections
are kept between requests for a minute, since a server's workers are few and long-lived.
``runserver`` loads the settings before this module, so it keeps closing each request's
connection (lianjian/settings.py says why).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
os.environ.setdefault("LIANJIAN_CONN_MAX_AGE", "60")
application = get_wsgi_application()
