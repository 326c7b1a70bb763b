import os, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()
from datetime import date
from product.models import Feature
from product.selectors import adoption as A
from django.db import connection
f = Feature.objects.get(feature_id="feat_analytics")
for i in range(3):
    t = time.perf_counter(); A._group_sums(f, date.today(), 30); t1 = time.perf_counter(); A._retention(f, date.today(), 30); t2 = time.perf_counter()
    print(round(t1 - t, 3), round(t2 - t1, 3))
inner, params = A._per_customer_sql(f, date.today(), 30)
with connection.cursor() as c:
    c.execute("SET jit = off")

    c.execute("EXPLAIN ANALYZE " + inner, params)
    print("\n".join(r[0] for r in c.fetchall()))
from customers import facts
from datetime import timedelta
from django.db.models import Subquery, OuterRef, Count
from django.db.models.functions import Coalesce
outcomes = facts.renewal_outcomes(date.today() - timedelta(days=365), date.today())
before = (A.FeatureUsage.objects.filter(A.ACTIVE_ROW, customer_id=OuterRef("customer_pk"), feature_id=f.pk, date__lt=OuterRef("decided_on"), date__gte=OuterRef("decided_on") - timedelta(days=30)).order_by().values("customer_id").annotate(c=Count("id")).values("c"))
rows = outcomes.annotate(days=Coalesce(Subquery(before), 0))
sql, params = rows.query.sql_with_params()
with connection.cursor() as c:
    c.execute("EXPLAIN ANALYZE " + sql, params)
    print("\n".join(r[0] for r in c.fetchall()))
