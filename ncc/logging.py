"""JSON log lines in the shape Google Cloud Logging reads (severity, message, time)."""

import json
import logging
from datetime import UTC, datetime


class CloudLoggingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "logger": record.name,
            "logging.googleapis.com/sourceLocation": {
                "file": record.pathname, "line": record.lineno, "function": record.funcName,
            },
        }
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        for key in ("request_id", "task_id", "clinic", "patient_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, default=str)
