"""The shop's sync server: an HTTP API over one database (SQLite by default, PostgreSQL).

The server keeps no state of its own between requests (beyond remembering which kiosk a
token names; revocation is checked in every push's transaction): everything lives in the
database, so several server processes can serve one PostgreSQL side by side. Import ``create_app``
from :mod:`sync.server.app`; this package stays free of FastAPI/SQLAlchemy imports so the
rest of ``kanta`` starts fast.
"""
