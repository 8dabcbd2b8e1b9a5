"""The Smart Gift API: client, models and errors. No Qt here."""

from packstation.api.client import (
    DEVELOPMENT_URL,
    ENVIRONMENTS,
    PRODUCTION_URL,
    SmartGiftClient,
)
from packstation.api.errors import (
    ApiError,
    ApiValidationError,
    AuthError,
    BadResponse,
    ConfigError,
    MissingKeyError,
    NetworkError,
    NotFound,
    PdfNotReady,
    RateLimited,
    ServerError,
    Unavailable,
)
from packstation.api.models import Agreement, Company, DeliveryAddress, Job, Parsed, Voucher
from packstation.api.pos import PosCustomer, PosDelivery, PosItem, PosSale, PosSaleResult
from packstation.api.ratelimit import Priority, RateBudget
from packstation.api.secret import ApiKey

__all__ = [
    "DEVELOPMENT_URL", "ENVIRONMENTS", "PRODUCTION_URL", "Agreement", "ApiError", "ApiKey",
    "ApiValidationError", "AuthError", "BadResponse", "Company", "ConfigError",
    "DeliveryAddress", "Job", "MissingKeyError", "NetworkError", "NotFound", "Parsed",
    "PdfNotReady", "PosCustomer", "PosDelivery", "PosItem", "PosSale", "PosSaleResult",
    "Priority", "RateBudget", "RateLimited", "ServerError", "SmartGiftClient", "Unavailable",
    "Voucher",
]
