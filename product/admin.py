from django.contrib import admin

from .models import Feature, FeatureUsage


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = [
        "feature_id",
        "name",
        "category",
        "is_key",
        "is_premium",
        "list_price",
        "adoption_threshold_days",
    ]
    list_filter = ["is_key", "is_premium", "category"]
    search_fields = ["feature_id", "name"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(FeatureUsage)
class FeatureUsageAdmin(admin.ModelAdmin):
    list_display = ["date", "customer", "feature", "events", "active_users"]
    list_filter = ["feature"]
    search_fields = ["customer__customer_id", "customer__name"]
    list_select_related = ["customer", "feature"]
    raw_id_fields = ["customer"]
    date_hierarchy = "date"
    show_full_result_count = False
