from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail


class StrictSerializer(serializers.Serializer):
    """Write serializer that refuses unknown fields and non-string values for text fields.

    DRF quietly turns 12 into "12" and drops fields it does not know; an integration that
    sends the wrong shape should hear about it instead.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            errors: dict[str, list[ErrorDetail]] = {}
            for name in sorted(set(data) - set(self.fields)):
                errors[name] = [ErrorDetail("Unknown field.", code="unknown_field")]
            for name, field in self.fields.items():
                value = data.get(name)
                text_field = isinstance(field, serializers.CharField | serializers.ChoiceField)
                if text_field and value is not None and not isinstance(value, str):
                    errors[name] = [ErrorDetail("Must be a string.", code="invalid")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
