# test-harness/hostile/
