# frontend/: see its files.
