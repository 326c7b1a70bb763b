"""Reads for product data: catalogue and usage lists, adoption analytics, feedback."""

from .catalogue import feature_list, usage_list

__all__ = ["feature_list", "usage_list"]
