"""Writes of the feedback side: scores, metric ingestion, delivery events and DORA, API tokens, the audit log."""

from .actions import action_record
from .api_tokens import api_token_create, api_token_revoke
from .audit import report_access_record
from .correlations import (
    correlations_failed,
    correlations_finish,
    correlations_refresh,
    correlations_refresh_enqueue,
    correlations_share,
    correlations_start,
)
from .delivery import (
    change_record,
    delivery_batch_record,
    deployment_record,
    dora_dirty_teams,
    dora_recompute,
    incident_forget,
    incident_record,
    repository_connect,
)
from .digest import digest_recipients, digest_send
from .github import github_event_ingest
from .metrics import (
    MetricRow,
    MetricRowError,
    metric_definition_create,
    metric_values_plan,
    metric_values_upsert,
    metric_values_write,
)
from .pdf import PdfUnavailable, report_pdf
from .scores import results_announce, results_published_notify, scores_aggregate

__all__ = [
    "MetricRow",
    "MetricRowError",
    "PdfUnavailable",
    "action_record",
    "api_token_create",
    "api_token_revoke",
    "change_record",
    "correlations_failed",
    "correlations_finish",
    "correlations_refresh",
    "correlations_refresh_enqueue",
    "correlations_share",
    "correlations_start",
    "delivery_batch_record",
    "deployment_record",
    "digest_recipients",
    "digest_send",
    "dora_dirty_teams",
    "dora_recompute",
    "github_event_ingest",
    "incident_forget",
    "incident_record",
    "metric_definition_create",
    "metric_values_plan",
    "metric_values_upsert",
    "metric_values_write",
    "report_access_record",
    "report_pdf",
    "repository_connect",
    "results_announce",
    "results_published_notify",
    "scores_aggregate",
]
