# test-harness/fuzz/
