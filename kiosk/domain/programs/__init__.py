"""The loyalty program engine: program files as data, and the rules that run them.

``spec`` holds the validated program definition (frozen dataclasses); ``parse`` turns a
parsed TOML document into one (``table`` reads each table, typed and bounded), with
errors that name the file, the key and what was expected. ``engine`` implements the
``Rules`` interface over a spec; its action handlers are in ``earning``, ``holdings`` and
``referrals``, what they share in ``base``, and the accounts they post to are named in
``accounts``. ``view`` derives what a member sees (stamps, points, tier, rewards ready,
what expires when). All of it is pure; only ``kiosk.domain.program.load_program`` reads
a file.
"""
