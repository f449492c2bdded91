"""Kanta: an offline-first loyalty kiosk for small shops."""

__version__ = "0.1.0"
