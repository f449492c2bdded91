"""The running kiosk: wiring (store, services, hardware) and the one dispatcher thread.

The screens in ``kiosk.ui`` see only ``KioskCore``: service-level calls and outcomes,
never a store or a device.
"""
