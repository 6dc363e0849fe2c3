"""WSGI entry point of the web benchmark: `concertation.wsgi` with `bench.urls_bench`.

Same settings, middleware and environment variables as production; only the URL
configuration adds the benchmark's minimal view. Served by gunicorn from `bench.web`.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concertation.settings")
settings.ROOT_URLCONF = "bench.urls_bench"
application = get_wsgi_application()
