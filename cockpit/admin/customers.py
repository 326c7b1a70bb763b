"""The customer list and page as a CS manager meets them: the domains' customer admin,
extended with what the higher domains compute (risk columns, bulk actions)."""

from django.contrib import admin

from customers.admin import CustomerAdmin
from customers.models import Customer

from .customer_actions import assign_csm, start_workflow


class CockpitCustomerAdmin(CustomerAdmin):
    """customers' own admin (saves through its services), re-registered by the cockpit."""

    actions = [
        *CustomerAdmin.actions,  # type: ignore[misc]  # a class-level list here
        assign_csm,
        start_workflow,
    ]


admin.site.unregister(Customer)
admin.site.register(Customer, CockpitCustomerAdmin)
