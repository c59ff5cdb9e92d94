import os

from django.core.wsgi import get_wsgi_application

from alignment_portal.lib.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment_portal.settings")
tune_gc()
application = get_wsgi_application()
