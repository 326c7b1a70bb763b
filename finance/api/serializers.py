from rest_framework import serializers

from integrations.api.serializers_base import key_field, pattern_field
from integrations.money import whole_units

from ..choices import ContractStatus
from ..models import Contract, Invoice


class ContractSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    value = serializers.SerializerMethodField(
        method_name="get_value_units",
        help_text="Total contract value over the term, in whole currency units.",
    )
    annual_value = serializers.SerializerMethodField(
        help_text="value x 12 / term months (the contract's ARR), whole currency units."
    )
    renewed_from = serializers.CharField(
        source="renewed_from.contract_id",
        allow_null=True,
        help_text="contract_id of the contract this one renews, or null.",
    )

    class Meta:
        model = Contract
        fields = [
            "contract_id",
            "customer_id",
            "start_date",
            "end_date",
            "value",
            "term",
            "annual_value",
            "status",
            "renewed_from",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_value_units(self, obj: Contract) -> int:
        return whole_units(obj.value)

    def get_annual_value(self, obj: Contract) -> int:
        return whole_units(obj.annual_value)


class ContractWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    contract_id = key_field(help_text="e.g. ctr_2024_001")
    customer_id = key_field()
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="After start_date.")
    value = serializers.IntegerField(
        min_value=0,
        max_value=999_999_999_999,
        help_text="Total contract value in whole currency units (a JSON integer).",
    )
    term = pattern_field(
        r"^[1-9][0-9]?_(year|month)$", max_length=20, help_text="e.g. 1_year, 3_year, 6_month"
    )
    status = serializers.ChoiceField(
        choices=ContractStatus.choices, required=False, help_text="Default for new: active."
    )
    renewed_from = key_field(
        required=False,
        allow_null=True,
        help_text="contract_id of the previous contract, existing or in this batch; or null.",
    )


class InvoiceSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    amount = serializers.SerializerMethodField(help_text="Whole currency units.")
    paid_at = serializers.DateTimeField(allow_null=True, help_text="null while unpaid.")

    class Meta:
        model = Invoice
        fields = [
            "invoice_id",
            "customer_id",
            "issued_on",
            "due_on",
            "amount",
            "paid_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_amount(self, obj: Invoice) -> int:
        return whole_units(obj.amount)


class InvoiceWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    invoice_id = key_field(help_text="e.g. inv_2026_0042")
    customer_id = key_field()
    issued_on = serializers.DateField(help_text="Not later than tomorrow.")
    due_on = serializers.DateField(help_text="Not before issued_on.")
    amount = serializers.IntegerField(
        min_value=0,
        max_value=999_999_999_999,
        help_text="Whole currency units (a JSON integer).",
    )
    paid_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it was paid; null while unpaid."
    )
