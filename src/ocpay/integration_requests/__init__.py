"""Integration requests: the workflow from upload to verdict, feature requests and notifications.

`workflow` holds the `Requests` service; `transitions` the status machines; `uploads` the checks of
documents by content; `reading` the job a worker process runs to read and assess them; `notices`
what the requester is told and `notifications` how it is sent; `history` what a request's history
records; `errors` what the workflow refuses.
"""

from ocpay.integration_requests.errors import (
    DocumentTooLarge,
    DocumentTooSlow,
    IllegalTransition,
    InvalidRequest,
    RefusedDocument,
    RequestError,
    UnknownRequest,
    UnsupportedDocument,
)
from ocpay.integration_requests.notices import Notice
from ocpay.integration_requests.notifications import Delivery, Notifier
from ocpay.integration_requests.transitions import FEATURE_STATUSES, STATUSES, TRANSITIONS, VERDICTS
from ocpay.integration_requests.uploads import CheckedDocument, Upload, check_document, kept_copy
from ocpay.integration_requests.workflow import RequestDetail, RequestRow, Requests

__all__ = [
    "FEATURE_STATUSES",
    "STATUSES",
    "TRANSITIONS",
    "VERDICTS",
    "CheckedDocument",
    "Delivery",
    "DocumentTooLarge",
    "DocumentTooSlow",
    "IllegalTransition",
    "InvalidRequest",
    "Notice",
    "Notifier",
    "RefusedDocument",
    "RequestDetail",
    "RequestError",
    "RequestRow",
    "Requests",
    "UnknownRequest",
    "UnsupportedDocument",
    "Upload",
    "check_document",
    "kept_copy",
]
