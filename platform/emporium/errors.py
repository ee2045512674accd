"""The platform's own exceptions.

Expected errors carry an HTTP status so that the exception views can answer
them with the right themed page (or problem document); anything else is a
bug, logged with its traceback and answered with a 500.
"""

from __future__ import annotations


class EmporiumError(Exception):
    """Base of every error the platform raises on purpose."""

    status = 500


class ConfigurationError(EmporiumError):
    """A setting is missing or wrong; the message names it."""


class PluginError(ConfigurationError):
    """A plugin is missing or failed to load; the message names it."""


class NotFound(EmporiumError):
    status = 404


class InvalidInput(EmporiumError):
    """Bad input from a client, naming the field at fault."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(EmporiumError):
    status = 409
