# test-harness/scenarios/
