"""The staff application (issue 5): sign-in with roles and TOTP, persons, the JSON API.

``create_app(desk, settings)`` builds it; ``amanat serve`` runs it with uvicorn.
"""

from amanat.web.staff.app import ROUTE_ROLES, WebOptions, create_app

__all__ = ["ROUTE_ROLES", "WebOptions", "create_app"]
