# backend/: see its files.
