from django.contrib import admin

from .models import SupportTicket, SurveyResponse, Task

AUDIT = ("created_at", "updated_at")


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ["ticket_id", "customer", "priority", "status", "opened_at", "resolved_at"]
    list_filter = ["status", "priority"]
    search_fields = ["ticket_id", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = AUDIT
    date_hierarchy = "opened_at"
    list_per_page = 50
    show_full_result_count = False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ["response_id", "customer", "kind", "score", "respondent_email", "answered_at"]
    list_filter = ["kind", "score"]
    search_fields = ["response_id", "respondent_email", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = AUDIT
    date_hierarchy = "answered_at"
    list_per_page = 50
    show_full_result_count = False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["task_id", "title", "customer", "kind", "owner", "due_at", "completed_at"]
    list_filter = ["kind", ("completed_at", admin.EmptyFieldListFilter), "owner"]
    search_fields = ["task_id", "title", "customer__customer_id", "customer__name"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer"]
    autocomplete_fields = ["owner"]
    readonly_fields = AUDIT
    date_hierarchy = "due_at"
    list_per_page = 50
    show_full_result_count = False
