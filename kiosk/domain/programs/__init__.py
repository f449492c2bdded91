"""The loyalty program engine: program files as data, and the rules that run them.

``spec`` holds the validated program definition (frozen dataclasses) and turns a parsed
TOML document into one, with errors that name the file, the key and what was expected.
``engine`` implements the ``Rules`` interface over a spec; ``view`` derives what a member
sees (stamps, points, tier, rewards ready, what expires when). All of it is pure; only
``kiosk.domain.program.load_program`` reads a file.
"""
