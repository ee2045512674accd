"""Emporium: a plugin-oriented commerce and content platform on Pyramid."""

__version__ = "0.1.0"
