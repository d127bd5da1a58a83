#!/bin/bash
# vgpufront run and matmul (kernels, protocol version 2).  Their bad input
# first: each case exits 2 with exactly one line on stderr naming the
# value (written out here in full), before any device is opened.  Then on
# a simulated host with the CPU executor, which cannot run kernels: both
# commands exit 1 with one line saying so (VGPU_ENOSYS, the CUDA executor
# needed, the CPU executor named), again and again past --max-sessions (the
# session each opened was closed), and vgpuback holds nothing afterwards.
# With VGPU_TEST_EXECUTOR=cuda (a GPU host) the kernels run instead and
# their results are checked against what the guest computes itself.
. "$top_srcdir/test-harness/lib/tap.sh"
export VGPU_BUILDDIR=$top_builddir
. "$top_srcdir/test-harness/scenarios/simhost.sh"
tmp=$(mktemp -d)
trap 'simhost_stop; rm -rf "$tmp"' EXIT

bad() { simhost_front_bad "$@"; }

G="X[,Y[,Z]]: X from 1 to 2147483647, Y and Z from 1 to 65535"
B="X[,Y[,Z]]: whole numbers from 1, X * Y * Z at most 1024"
A="TYPE:VALUE: i32, u32, i64, u64, f32, f64 with a number; zeros:BYTES, file:PATH, f32seq:N or f32fill:N:V (device memory, up to 1 GiB)"
P="I[:TYPE[:COUNT]], I an argument's index (0-63), TYPE f32, i32, u32 or u8, COUNT 1-1000000"
R="run --kernel vgpu_empty"
bad "vgpufront: --grid '0': $G" $R --grid 0 --block 1
bad "vgpufront: --grid 'x': $G" $R --grid x --block 1
bad "vgpufront: --grid '1,0': $G" $R --grid 1,0 --block 1
bad "vgpufront: --grid '1,65536': $G" $R --grid 1,65536 --block 1
bad "vgpufront: --grid '2147483648': $G" $R --grid 2147483648 --block 1
bad "vgpufront: --grid '1,1,1,1': $G" $R --grid 1,1,1,1 --block 1
bad "vgpufront: --grid '1,': $G" $R --grid 1, --block 1
bad "vgpufront: --block '2000': $B" $R --grid 1 --block 2000
bad "vgpufront: --block '32,32,2': $B" $R --grid 1 --block 32,32,2
bad "vgpufront: --block '-1': $B" $R --grid 1 --block -1
bad "vgpufront: --arg 'q:1': $A" $R --grid 1 --block 1 --arg q:1
bad "vgpufront: --arg 'i32:2147483648': $A" $R --grid 1 --block 1 --arg i32:2147483648
bad "vgpufront: --arg 'u32:-1': $A" $R --grid 1 --block 1 --arg u32:-1
bad "vgpufront: --arg 'f32:1.5x': $A" $R --grid 1 --block 1 --arg f32:1.5x
bad "vgpufront: --arg 'zeros:0': $A" $R --grid 1 --block 1 --arg zeros:0
bad "vgpufront: --arg 'f32fill:4': $A" $R --grid 1 --block 1 --arg f32fill:4
bad "vgpufront: --arg 'i32': $A" $R --grid 1 --block 1 --arg i32
bad "vgpufront: --print '0:f16': $P" $R --grid 1 --block 1 --arg zeros:4 --print 0:f16
bad "vgpufront: --print '0:f32:0': $P" $R --grid 1 --block 1 --arg zeros:4 --print 0:f32:0
bad "vgpufront: --print '1': no such --arg (they count from 0)" \
	$R --grid 1 --block 1 --arg zeros:4 --print 1
bad "vgpufront: --print '0': that --arg is a scalar, not device memory" \
	$R --grid 1 --block 1 --arg i32:4 --print 0
bad "vgpufront: --dump '0': I:FILE, I an argument's index (0-63)" \
	$R --grid 1 --block 1 --arg zeros:4 --dump 0
bad "vgpufront: --shmem '262145': bytes of dynamic shared memory, 0-262144" \
	$R --grid 1 --block 1 --shmem 262145
bad "vgpufront: run needs --kernel NAME, --grid X[,Y[,Z]] and --block X[,Y[,Z]]" \
	run --grid 1 --block 1
bad "vgpufront: run needs --kernel NAME, --grid X[,Y[,Z]] and --block X[,Y[,Z]]" \
	$R --grid 1
bad "vgpufront: --n '16385': matmul's N is a whole number from 1 to 16384" matmul --n 16385
bad "vgpufront: --seed 'x': a whole number from 0 to 18446744073709551615" matmul --seed x
bad "vgpufront: matmul: --kernel does not apply to this command" matmul --kernel vgpu_matmul
bad "vgpufront: vadd: --grid does not apply to this command" vadd --n 4 --grid 1

help=$("$VGPUFRONT" --help)
like "$help" $'\n  run \\[--module FILE\\] --kernel NAME' "--help lists run"
like "$help" $'\n  matmul \\[--n N\\] \\[--verify\\]' "--help lists matmul"

# --- a host whose executor cannot run kernels
EXEC=${VGPU_TEST_EXECUTOR:-cpu}
simhost_start --executor "$EXEC" --max-sessions 2 || { echo "Bail out! no host"; exit 1; }
simhost_guest g A high >/dev/null || { echo "Bail out! no guest"; exit 1; }
front() { "$SIM" exec g -- "$VGPUFRONT" "$@"; }

# One line on stderr, nothing on stdout, exit 1: the backend cannot run kernels.
no_kernels() {
	local what=$1 out err rc
	shift
	out=$(front "$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
	is "$rc/$(printf '%s\n' "$err" | wc -l)/${#out}" "1/1/0" \
		"vgpufront $*: exit 1, one line on stderr, nothing on stdout"
	like "$err" "^vgpufront: $what: the backend cannot run kernels: .*CUDA executor.* \\(its executor is the CPU executor\\)\$" \
		"vgpufront $*: says the CPU executor cannot run kernels"
}

if [ "$EXEC" = cpu ]; then
	no_kernels matmul matmul --n 64 --verify
	no_kernels run run --kernel vgpu_empty --grid 1 --block 1
	no_kernels run run --module builtin --kernel vgpu_vadd --grid 1 --block 4 \
		--arg f32seq:4 --arg f32fill:4:1 --arg zeros:16 --arg i32:4 --print 2
	# Each failure closed its session: past --max-sessions 2, still ENOSYS.
	no_kernels matmul matmul --n 16
	no_kernels matmul matmul --n 16 --json
	is "$(simhost_wait_idle)" "$SIMHOST_IDLE" "vgpuback holds nothing of the failed runs"
	out=$(front run --module "$tmp/none.ptx" --kernel k --grid 1 --block 1 2>&1)
	is "$?/$out" "2/vgpufront: --module '$tmp/none.ptx': No such file or directory" \
		"run --module of a missing file: exit 2, says so"
	done_testing
	exit
fi

# --- a GPU (VGPU_TEST_EXECUTOR=cuda): the kernels run, checked here.
out=$(front matmul --n 100 --verify --repeat 3 2>&1)
is "$?" 0 "matmul --n 100 --verify: exit 0"
like "$out" "verified: all 10000 entries" "matmul: every entry of a 100 x 100 product checked"
out=$(front matmul --n 2000 --verify --repeat 1 2>&1)
is "$?" 0 "matmul --n 2000 --verify: exit 0"
like "$out" "verified: a random sample of 4096 entries" "matmul n > 1024: a sample, and it says so"
front matmul --n 128 --json >"$tmp/m.json"
is "$(jq -r '.n, (.gflops > 0)' "$tmp/m.json" | tr '\n' ' ')" "128 true " "matmul --json: n and GFLOP/s"
# saxpy: y = 2 x + y, x = 0..9, y = 1: y[i] = 2 i + 1.
out=$(front run --kernel vgpu_saxpy --grid 1 --block 32 --arg i32:10 --arg f32:2 \
	--arg f32seq:10 --arg f32fill:10:1 --print 3:f32:10)
is "$(sed -n 2p <<<"$out")" "arg 3 f32: 1 3 5 7 9 11 13 15 17 19" "run vgpu_saxpy: y = 2 x + y"
like "$(sed -n 1p <<<"$out")" '^vgpu_saxpy: grid 1,1,1 block 32,1,1: [0-9.]+ us' "run: what ran and its time"
# reduce_sum of 0..999 = 499500, exact in float.
out=$(front run --kernel vgpu_reduce_sum --grid 4 --block 256 --arg f32seq:1000 \
	--arg zeros:4 --arg i32:1000 --print 1:f32:1 --json)
is "$(jq -r '.prints[0].values[0]' <<<"$out")" 499500 "run vgpu_reduce_sum: 0 + ... + 999"
# vadd through a file and --dump: c = a + b byte for byte as the guest computes it.
python3 -c 'import struct,sys; sys.stdout.buffer.write(struct.pack("<64f", *[i * 0.5 for i in range(64)]))' >"$tmp/a.bin"
front run --kernel vgpu_vadd --grid 1 --block 64 --arg file:"$tmp/a.bin" --arg file:"$tmp/a.bin" \
	--arg zeros:256 --arg i32:64 --dump 2:"$tmp/c.bin" >/dev/null
is "$(python3 -c 'import struct,sys; print(list(struct.unpack("<64f", open(sys.argv[1],"rb").read())) == [float(i) for i in range(64)])' "$tmp/c.bin")" \
	True "run vgpu_vadd: file arguments in, --dump out"
out=$(front run --kernel vgpu_vadd --grid 1 --block 1 --arg i32:1 --arg zeros:4 --arg zeros:4 --arg i32:1 2>&1)
is "$?/$out" "2/vgpufront: run: --arg 0 'i32:1' is 4 bytes, but the kernel's parameter 0 is 8 bytes" \
	"run: a scalar where the kernel takes a pointer"
out=$(front run --kernel vgpu_empty --grid 1 --block 1 --arg i32:1 2>&1)
is "$?/$out" "2/vgpufront: run: kernel 'vgpu_empty' takes 0 parameters, --arg was given 1 time" \
	"run: --arg count against the kernel's"
out=$(front run --kernel no_such_kernel --grid 1 --block 1 2>&1)
is "$?" 1 "run: a kernel not in the module: exit 1"
like "$out" "no such module or" "run: a kernel not in the module: VGPU_ENOENT"
done_testing
