"""The public ingestion face (``routes``), and its path, which the app's wrappers also know."""

__all__ = ["EVENTS_PATH"]

# The route, and where the rate limiter, CORS and the request metrics recognise it.
EVENTS_PATH = "/api/v1/analytics/events"
