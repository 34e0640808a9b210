"""Per-application objects: the chat service and the rate limiter."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.service import ChatService

SERVICE_KEY = "aimhi.service"

# Storage comes from RATELIMIT_STORAGE_URI: memory:// counts per process; point
# it at a shared store (e.g. redis://) when several workers serve the app.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def service_for(app: Flask) -> ChatService:
    return app.extensions[SERVICE_KEY]
