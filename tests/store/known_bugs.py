"""Store bugs these tests found (reported on issue 2); the xfail(strict=True) reasons."""

NEWLINE_BUG = (
    "journal.py scan(): a last line without its newline that still decodes (a torn write "
    "that lost only the final \\n) is accepted as a whole record and good_end is set one "
    "byte past the end of the file; the writer then appends the next record onto the same "
    "line, which damages both: the next open refuses the store (or cuts an acknowledged tap)"
)
