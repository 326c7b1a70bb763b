"""The customer 360 admin page (/admin/customers/customer/<pk>/360/), served by the cockpit's
customer admin (`CockpitCustomerAdmin.get_urls`); the data comes from cockpit.customer360."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from integrations.replica import replica_reads

from ..customer360 import customer_360

TEMPLATE = "admin/cockpit/customer_360.html"


def customer_360_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> TemplateResponse:
    """404 for an unknown customer, 403 without the customers view (or change) permission;
    the admin site's own wrapper sends anonymous and non-staff users to the login page."""
    customer = model_admin.get_object(request, unquote(object_id))
    if customer is None:
        raise Http404(f"No customer with primary key {object_id!r}.")
    if not model_admin.has_view_or_change_permission(request, customer):
        raise PermissionDenied
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "original": customer,
        "title": f"{customer.name}: 360",
    }
    with replica_reads():  # README "Read replica": the page only reads
        context["c360"] = customer_360(customer)
    return TemplateResponse(request, TEMPLATE, context)
