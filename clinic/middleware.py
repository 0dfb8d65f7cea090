"""Our own access log line per request: method, path without the query string, status, time, user id.

Daphne's access log is switched off (`--access-log /dev/null`) because it prints query strings, and
search boxes put phone numbers and names there. Never log request bodies or query strings here.
"""

import logging
import time

logger = logging.getLogger("clinic.access")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s %.0fms user=%s",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - start) * 1000,
            user.pk if user is not None and user.is_authenticated else "-",
        )
        return response
