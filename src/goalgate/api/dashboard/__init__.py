"""The dashboard: a static single-page app over the public GraphQL API (see routes.py)."""
