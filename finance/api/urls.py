from integrations.routing import both

from . import forecast_views as fv
from . import renewal_views as rv
from . import value_views as vv
from . import views

P = "api/v1/cs-finance"

urlpatterns = [
    *both(f"{P}/contracts", views.ContractListView.as_view(), name="contract-list"),
    *both(
        f"{P}/contracts/<str:contract_id>",
        views.ContractDetailView.as_view(),
        name="contract-detail",
    ),
    *both(f"{P}/invoices", views.InvoiceListView.as_view(), name="invoice-list"),
    *both(
        f"{P}/invoices/<str:invoice_id>", views.InvoiceDetailView.as_view(), name="invoice-detail"
    ),
    *both(f"{P}/opportunities", views.OpportunityListView.as_view(), name="opportunity-list"),
    *both(
        f"{P}/opportunities/<str:opportunity_id>",
        views.OpportunityDetailView.as_view(),
        name="opportunity-detail",
    ),
    *both(f"{P}/value-records", views.ValueRecordListView.as_view(), name="value-record-list"),
    *both(
        f"{P}/value-records/<str:record_id>",
        views.ValueRecordDetailView.as_view(),
        name="value-record-detail",
    ),
]

# Forecasts (README, "Finance: forecasts").
urlpatterns += [
    *both(f"{P}/forecast", fv.ForecastView.as_view(), name="forecast"),
    *both(
        f"{P}/forecast/<str:forecast_id>",
        fv.ForecastDetailView.as_view(),
        name="forecast-detail",
    ),
    *both(
        f"{P}/forecast/<str:forecast_id>/accuracy",
        fv.ForecastAccuracyView.as_view(),
        name="forecast-accuracy",
    ),
]

# Value realisation (README, "Finance: value realisation").
urlpatterns += [
    *both(f"{P}/value/<str:customer_id>", vv.CustomerValueView.as_view(), name="customer-value"),
]

# Renewals due and the renewal model's calibration (README, "Finance: renewals due and
# calibration").
urlpatterns += [
    *both(f"{P}/renewals", rv.RenewalsDueView.as_view(), name="renewals-due"),
    *both(
        f"{P}/renewal-calibration",
        rv.RenewalCalibrationView.as_view(),
        name="renewal-calibration",
    ),
]
