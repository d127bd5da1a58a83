# xenstore-hooks/: see its files.
