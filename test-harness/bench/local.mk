# test-harness/bench/
