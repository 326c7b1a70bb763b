from rest_framework import serializers

from integrations.money import whole_units

from ..models import Contract, ExpansionOpportunity, Invoice, ValueRecord


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


class ExpansionOpportunitySerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    value = serializers.SerializerMethodField(
        method_name="get_value_units", help_text="Whole currency units."
    )
    closed_value = serializers.SerializerMethodField(
        help_text="The value won, whole currency units; null unless won."
    )
    closed_on = serializers.DateField(allow_null=True, help_text="null while open.")
    expected_close_date = serializers.DateField(help_text="The last day of expected_close.")

    class Meta:
        model = ExpansionOpportunity
        fields = [
            "opportunity_id",
            "customer_id",
            "type",
            "product",
            "value",
            "probability",
            "expected_close",
            "expected_close_date",
            "status",
            "closed_value",
            "closed_on",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_value_units(self, obj: ExpansionOpportunity) -> int:
        return whole_units(obj.value)

    def get_closed_value(self, obj: ExpansionOpportunity) -> int | None:
        return None if obj.closed_value is None else whole_units(obj.closed_value)


class ValueRecordSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    amount = serializers.SerializerMethodField(help_text="Whole currency units.")

    class Meta:
        model = ValueRecord
        fields = [
            "record_id",
            "customer_id",
            "date",
            "category",
            "amount",
            "evidence",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_amount(self, obj: ValueRecord) -> int:
        return whole_units(obj.amount)
