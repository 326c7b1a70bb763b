import os, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()
from datetime import date
from unittest import mock
from django.db import connection
from django.test.utils import CaptureQueriesContext
from customers.health.services import health_recompute
from product.models import Feature
from product.selectors.adoption import feature_adoption, adoption_headlines
import sys
if "recompute" in sys.argv:
    with mock.patch("integrations.events.kick_relay"):
        health_recompute(publish=False)
f = Feature.objects.get(feature_id="feat_analytics")
for i in range(3):
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        a = feature_adoption(f, as_of=date.today(), window_days=30)
    print("detail", round(time.perf_counter() - t, 3), len(ctx.captured_queries))
print(a.total, a.success, a.retention, a.opportunities, {k: v.adoption for k, v in a.segments.items()}, sep="\n")
t = time.perf_counter()
h = adoption_headlines(list(Feature.objects.all()), as_of=date.today(), window_days=30)
print("headlines", round(time.perf_counter() - t, 3), list(h.values())[:3])
