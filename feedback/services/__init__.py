"""Writes of the feedback side: scores, metric ingestion, API tokens."""

from .api_tokens import api_token_create, api_token_revoke
from .metrics import MetricRowError, metric_values_upsert
from .scores import scores_aggregate

__all__ = ["MetricRowError", "api_token_create", "api_token_revoke", "metric_values_upsert", "scores_aggregate"]
