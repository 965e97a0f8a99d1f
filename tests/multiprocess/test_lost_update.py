"""Lost-update test: the C++ writer increments 64-bit counters all over a mapping at full
speed while memview-cli pokes the bytes between them thousands of times. A poke must
write exactly its bytes: every counter must end equal to the writer's round count, and
every poked byte must hold the last value poked there."""
import random
import struct
import time
import unittest

from mp_common import Peer, PyShm, main, remove_shm_quietly, run_cli, unique_name

SIZE = 64 * 1024
STRIDE = 64  # a counter every 64 bytes: every page and cache line has counters and pokes
BATCHES = 20
POKES_PER_BATCH = 500
SINGLE_POKES = 100


class LostUpdateTest(unittest.TestCase):
    def test_counters_survive_concurrent_pokes(self):
        name = unique_name("lost")
        py = PyShm(name, SIZE, create=True)
        self.addCleanup(remove_shm_quietly, name)
        self.addCleanup(py.close)
        writer = Peer("counters", "/" + name, STRIDE)
        self.addCleanup(writer.close)

        rng = random.Random(7)
        expected = {}  # offset -> last poked byte value

        def random_poke():
            slot = rng.randrange(SIZE // STRIDE)
            length = rng.randrange(1, 9)
            # Anywhere in the 56 bytes between two counters.
            offset = slot * STRIDE + 8 + rng.randrange(STRIDE - 8 - length + 1)
            data = bytes(rng.randrange(256) for _ in range(length))
            return offset, data

        started = time.monotonic()
        total = 0
        for batch in range(BATCHES):
            lines = []
            for _ in range(POKES_PER_BATCH):
                offset, data = random_poke()
                lines.append(f"{offset:#x} {data.hex(' ')}")
                for i, b in enumerate(data):
                    expected[offset + i] = b
            r = run_cli("poke", name, "--batch", "-", input="\n".join(lines).encode())
            self.assertEqual(r.returncode, 0, r.stderr)
            total += POKES_PER_BATCH
        for i in range(SINGLE_POKES):
            offset, data = random_poke()
            if i % 3 == 0 and len(data) >= 4:
                # Typed path: an aligned or unaligned u32.
                value = struct.unpack("<I", data[:4])[0]
                r = run_cli("poke", name, offset, "--u32", value)
                data = data[:4]
            else:
                r = run_cli("poke", name, offset, data.hex())
            self.assertEqual(r.returncode, 0, r.stderr)
            for j, b in enumerate(data):
                expected[offset + j] = b
            total += 1
        elapsed = time.monotonic() - started

        out = writer.stop()
        rounds = int(out.split()[-1])
        self.assertGreater(rounds, 100, "the writer barely ran; the test proves nothing")
        mem = py.bytes()
        counters = [struct.unpack_from("<Q", mem, off)[0] for off in range(0, SIZE, STRIDE)]
        bad = [(i * STRIDE, c) for i, c in enumerate(counters) if c != rounds]
        self.assertEqual(bad, [], f"counters lost updates (rounds={rounds})")
        wrong = [(o, mem[o], v) for o, v in expected.items() if mem[o] != v]
        self.assertEqual(wrong, [], "poked bytes do not hold the last poked value")
        untouched = [o for o in range(SIZE) if o % STRIDE >= 8 and o not in expected and mem[o]]
        self.assertEqual(untouched, [], "bytes nobody poked changed")
        print(f"{total} pokes in {elapsed:.1f}s against {rounds} writer rounds "
              f"({len(counters)} counters), no lost update")


if __name__ == "__main__":
    main()
