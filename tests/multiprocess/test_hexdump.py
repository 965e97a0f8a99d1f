"""`memview-cli dump` (hex format) must be byte-for-byte identical to the real
`hexdump -C` (bsdextrautils) for the same bytes: random contents full of repeated rows,
random windows (unaligned offsets, partial last rows, empty windows)."""
import random
import unittest

from mp_common import HEXDUMP, PyShm, hexdump_c, main, remove_shm_quietly, run_cli, shm_path, unique_name


def make_content(rng, size):
    rows = [bytes(16), b"a" * 16, bytes(rng.randrange(256) for _ in range(16)),
            b"memview  rows!\x00\xff", bytes(range(0x70, 0x80))]
    out = bytearray()
    while len(out) < size:
        choice = rng.random()
        if choice < 0.15:
            # An odd-sized piece shifts the following rows off 16-byte alignment.
            out += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
        else:
            out += rng.choice(rows) * rng.randrange(1, 6)
    return bytes(out[:size])


@unittest.skipUnless(HEXDUMP, "hexdump (bsdextrautils) is not installed")
class HexdumpIdentityTest(unittest.TestCase):
    def setUp(self):
        self.name = unique_name("hex")
        self.size = 6000
        self.py = PyShm(self.name, self.size, create=True)
        self.rng = random.Random(20240601)
        self.py.buf[:] = make_content(self.rng, self.size)

    def tearDown(self):
        self.py.close()
        remove_shm_quietly(self.name)

    def check(self, offset, length):
        args = ["dump", self.name]
        if offset is not None:
            args += ["--offset", hex(offset) if self.rng.random() < 0.5 else str(offset)]
        if length is not None:
            args += ["--length", str(length)]
        r = run_cli(*args)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stderr}")
        expect = hexdump_c(shm_path(self.name), offset, length)
        self.assertEqual(r.stdout.decode(), expect.decode(), f"offset={offset} length={length}")

    def test_whole_object(self):
        self.check(None, None)

    def test_random_windows(self):
        for _ in range(80):
            offset = self.rng.randrange(self.size + 1)
            length = self.rng.choice([None, self.rng.randrange(self.size - offset + 1),
                                      min(self.size - offset, self.rng.randrange(40))])
            self.check(offset, length)

    def test_every_byte_value_and_all_identical(self):
        self.py.buf[0:256] = bytes(range(256))  # the ASCII column for every byte value
        self.py.buf[256:] = b"\x00" * (self.size - 256)
        self.check(None, None)
        self.check(0, 256)
        self.check(3, 400)


@unittest.skipUnless(HEXDUMP, "hexdump (bsdextrautils) is not installed")
class HexdumpLargeTest(unittest.TestCase):
    """dump streams in 64 KiB chunks: rows and "*" runs that straddle chunk boundaries
    (at unaligned offsets) must come out exactly as hexdump prints them."""

    def test_chunk_boundaries(self):
        name = unique_name("hexbig")
        size = 300 * 1024 + 7
        py = PyShm(name, size, create=True)
        try:
            rng = random.Random(99)
            py.buf[:] = make_content(rng, size)
            # A run of identical rows across the first chunk boundary, a change right at it.
            py.buf[60000:70000] = b"\x11" * 10000
            py.buf[65536] = 0x22
            for offset, length in ((None, None), (5, None), (65530, 100), (65536 - 16, 32),
                                   (1, 2 * 65536 + 3), (131072 - 7, 65536 + 14)):
                args = ["dump", name]
                if offset is not None:
                    args += ["--offset", offset]
                if length is not None:
                    args += ["--length", length]
                r = run_cli(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.decode(),
                                 hexdump_c(shm_path(name), offset, length).decode(),
                                 f"offset={offset} length={length}")
        finally:
            py.close()
            remove_shm_quietly(name)


if __name__ == "__main__":
    main()
