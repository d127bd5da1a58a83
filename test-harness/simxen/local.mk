# test-harness/simxen/
