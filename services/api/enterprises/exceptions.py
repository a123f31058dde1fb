"""Errors of the enterprise and IP-asset endpoints."""

from __future__ import annotations

from services.api.errors import Conflict, Forbidden, NotFound, Unprocessable


class EnterpriseNotFound(NotFound):
    type_slug = "enterprise-not-found"
    title = "Enterprise not found"


class EnterpriseExists(Conflict):
    type_slug = "enterprise-exists"
    title = "Enterprise already registered"


class InvalidIdentifier(Unprocessable):
    type_slug = "invalid-identifier"
    title = "The identifier does not check out"


class OverrideNotAllowed(Forbidden):
    type_slug = "override-not-allowed"
    title = "Only a platform admin may override a credit-code check"


class IpAssetNotFound(NotFound):
    type_slug = "ip-asset-not-found"
    title = "IP asset not found"


class IpAssetExists(Conflict):
    type_slug = "ip-asset-exists"
    title = "IP asset already registered"
