"""The cockpit's own admin pages (under /admin/cockpit/), behind the admin's sign-in."""

from django.contrib import admin
from django.urls import path

from . import work_queues

app_name = "cockpit"

urlpatterns = [
    path("my/accounts/", admin.site.admin_view(work_queues.my_accounts), name="my_accounts"),
    path("my/tasks/", admin.site.admin_view(work_queues.my_tasks), name="my_tasks"),
    path("my/alerts/", admin.site.admin_view(work_queues.my_alerts), name="my_alerts"),
]
