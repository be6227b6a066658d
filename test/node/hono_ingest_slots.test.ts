// The slots of POST /events under an injected clock: bodies slower than a second may hold at most
// half of them, so a client that sends at full speed finds room while others trickle.
import { expect, test } from "vitest";
import { IngestSlots } from "../../adapters/hono/_ingest_slots.ts";

test("when every slot is taken, a new body cuts the oldest slow one only if slow bodies hold more than half", () => {
  const slots = new IngestSlots(4);
  //  t=0      a b c d take the 4 slots
  //  t=1500   a b c are slow (> 1 s), d too: 4 slow > 2 -> e cuts a
  //  t=1600   b c d slow, e fresh: 3 slow > 2 -> f cuts b
  //  t=1700   c d slow, e f fresh: 2 slow = half -> g is refused
  const [a, b, c, d] = [0, 0, 0, 0].map((t) => slots.take(t)!);
  expect(slots.take(500)).toBeUndefined();
  const e = slots.take(1_500);
  expect([a!.cut.signal.aborted, e !== undefined]).toEqual([true, true]);
  expect(slots.take(1_600)).toBeDefined();
  expect(b!.cut.signal.aborted).toBe(true);
  expect(slots.take(1_700)).toBeUndefined();
  expect([c!.cut.signal.aborted, d!.cut.signal.aborted, slots.size]).toEqual([false, false, 4]);
  slots.release(c!);
  expect(slots.take(1_700)).toBeDefined();
});

test("a single slot held by a slow body is given to the next request", () => {
  const slots = new IngestSlots(1);
  const a = slots.take(0)!;
  expect(slots.take(1_000)).toBeUndefined();
  expect(slots.take(1_001)).toBeDefined();
  expect(a.cut.signal.aborted).toBe(true);
});
