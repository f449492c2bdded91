"""Syncing the kiosk's ledger with the shop's server, and owner backups."""
