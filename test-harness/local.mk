# test-harness/: see its files.
