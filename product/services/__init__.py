"""Writes for product data: the catalogue and usage (ingestion), customer feedback (feedback)."""

from .feedback import feedback_submit, feedback_update
from .ingestion import features_bulk_upsert, usage_ingest

__all__ = [
    "features_bulk_upsert",
    "feedback_submit",
    "feedback_update",
    "usage_ingest",
]
