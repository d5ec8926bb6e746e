"""Structured logs: every record one JSON line, and one line per request.

`JsonFormatter` writes each log record as a single JSON object (time, level, logger,
message, any structured fields, and the traceback when there is one), so a log shipper
can parse every line. `RequestLogMiddleware` logs each request once, on `kb.requests`,
with its method, path, status and duration in milliseconds. Errors reach the log through
Django's own `django.request` logger, with their traceback.
"""

import json
import logging
import time
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed as `extra` and is a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_DROPPED = {"request"}  # Django passes the request object itself; it is not a field


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _DROPPED:
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        # django.security.* records are a client's bad request (a Host outside ALLOWED_HOSTS, say):
        # one line each, as a request's; their traceback says nothing and anyone could fill the log.
        if record.exc_info and not record.name.startswith("django.security."):
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


request_logger = logging.getLogger("kb.requests")


class RequestLogMiddleware:
    """One line per request: method, path, status, duration_ms. Outermost, so it times everything."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        duration = round((time.perf_counter() - start) * 1000, 1)
        fields = {"method": request.method, "path": request.path, "status": response.status_code}
        request_logger.info("%s %s %s %.1f ms", *fields.values(), duration, extra={**fields, "duration_ms": duration})
        return response
