from rest_framework.exceptions import NotFound


class FeatureNotFound(NotFound):
    default_detail = "No feature with this feature_id."
    default_code = "feature_not_found"
