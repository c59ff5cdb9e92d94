import os

from django.core.asgi import get_asgi_application

from alignment_portal.lib.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment_portal.settings")
tune_gc()
application = get_asgi_application()
