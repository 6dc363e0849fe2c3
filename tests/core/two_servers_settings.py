"""The deployment's settings for the two-server test, static files aside: they are served from
the apps' folders (a collectstatic with its compression takes minutes on a loaded machine, and
the image's build is what checks it, tests/core/test_deploy_recipe.py)."""

from concertation.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
