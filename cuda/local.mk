# cuda/: see its files.
