"""Hardware behind small interfaces: card readers, code scanners, feedback devices."""
