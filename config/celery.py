"""The Celery application.

Reliability settings follow DESIGN.md section 4: late acks, re-queue on worker loss, one message
prefetched per worker process, JSON only, hard time limits, durable queues and persistent
messages; with Redis a visibility timeout above the longest time limit so a slow task is never
handed to a second worker while alive, with RabbitMQ publisher confirms (config/brokers.py).
Queues by kind of work and every task's route: CS_HUB_TASKS_BY_QUEUE in the settings.
Workers carry one mend for kombu's event loop, which otherwise idles up to 10 s between late-
acknowledged messages (config/worker_hub.py).
"""

import os

from celery import Celery

from config.worker_hub import WakePollWhenCallbacksWait

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("cs_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(WakePollWhenCallbacksWait)
