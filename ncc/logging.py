"""JSON log lines in the shape Google Cloud Logging reads (severity, message, time).

Cloud Run collects each line a process writes to stdout/stderr; a JSON object becomes a structured
entry. An ERROR with a traceback carries Error Reporting's @type, so it appears there as an error
group without any client library. Query strings are never logged: a patient search puts a
person's name in the URL.
"""

import json
import logging
import os
from datetime import UTC, datetime

ERROR_EVENT_TYPE = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"


class CloudLoggingFormatter(logging.Formatter):
    def __init__(self, *args, **kwargs):
        super().__init__()
        self.service_context = {
            "service": os.environ.get("K_SERVICE") or os.environ.get("CLOUD_RUN_JOB") or "ncc",
            "version": os.environ.get("K_REVISION") or os.environ.get("CLOUD_RUN_EXECUTION") or "",
        }

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "severity": record.levelname,
            "message": message,
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
            "logging.googleapis.com/sourceLocation": {
                "file": record.pathname, "line": str(record.lineno), "function": record.funcName,
            },
        }
        if record.exc_info:
            stack = self.formatException(record.exc_info)
            entry["stack_trace"] = stack
            # Error Reporting reads the traceback from the message of an entry with this @type.
            entry["message"] = f"{message}\n{stack}"
        if record.levelno >= logging.ERROR:
            entry["@type"] = ERROR_EVENT_TYPE
            entry["serviceContext"] = self.service_context
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            entry["httpRequest"] = {"requestMethod": request.method,
                                    "requestUrl": request.path}
            status = getattr(record, "status_code", None)
            if status is not None:
                entry["httpRequest"]["status"] = status
        for key in ("request_id", "task_id", "clinic", "patient_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, default=str)
