"""The customer list and page as a CS manager meets them: the domains' customer admin,
extended with what the higher domains compute (risk columns, bulk actions)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from customers.admin import CustomerAdmin
from customers.models import Customer

from .customer_360_view import customer_360_view
from .customer_actions import assign_csm, start_workflow


class CockpitCustomerAdmin(CustomerAdmin):
    """customers' own admin (saves through its services), re-registered by the cockpit."""

    def get_urls(self) -> list[URLPattern]:
        # Before the stock patterns: their catch-all `<path:object_id>/` would take "360/".
        def view(request: HttpRequest, object_id: str) -> Any:
            return customer_360_view(self, request, object_id)

        name = f"{self.opts.app_label}_{self.opts.model_name}_360"
        own = [path("<path:object_id>/360/", self.admin_site.admin_view(view), name=name)]
        return own + super().get_urls()

    @admin.display(description="360")
    def view_360(self, obj: Customer) -> str:
        """A link to the customer's 360 page (a list column)."""
        url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_360",
            args=[obj.pk],
        )
        return format_html('<a href="{}">360 view</a>', url)

    actions = [
        *CustomerAdmin.actions,
        assign_csm,
        start_workflow,
    ]


admin.site.unregister(Customer)
admin.site.register(Customer, CockpitCustomerAdmin)
