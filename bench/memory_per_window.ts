/// <reference types="node" />
// Memory per open (key, window): K keys each get events in one open window, and the memory in use (the
// heap and array buffers: usedMemory) is measured (after a full GC) while every window is still open,
// then divided by K. Issue 9's target: <= 120 bytes per open (key, window) with { count, sum }.
//
// Run: npx tsx --expose-gc bench/memory_per_window.ts [--keys 1000000] [--per-key 3]
import { count, session, stream, sum, tumbling, type WindowAssigner } from "../mod.ts";
import { intArg, settledMemory } from "./_data.ts";

const KEYS = intArg("keys", 1_000_000);
const PER_KEY = intArg("per-key", 3);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("memory_per_window needs gc(): run it with --expose-gc");
  process.exit(2);
}
const heap = () => {
  return settledMemory(gc!);
};

interface Ev {
  key: number;
  ts: number;
  value: number;
}
const T0 = 1_700_000_000_000;

/** Every key's events, all inside [T0, T0 + 60 s), then a heap sample while every window is open. */
function* events(onFull: () => void): Generator<Ev> {
  for (let j = 0; j < PER_KEY; j++) {
    for (let k = 0; k < KEYS; k++) yield { key: k, ts: T0 + j * 1_000 + (k % 1_000), value: k % 100 };
  }
  onFull();
}

const cases: [string, WindowAssigner, number][] = [
  ["tumbling 60 s (sliced engine)", tumbling(60_000), 0],
  ["tumbling 60 s, allowedLateness 1 s (general engine)", tumbling(60_000), 1_000],
  ["sessions, gap 60 s (session engine)", session(60_000), 0],
  ["sessions, gap 60 s, allowedLateness 1 s (general engine)", session(60_000), 1_000],
];
console.log(`memory per open (key, window): ${KEYS.toLocaleString("en")} keys, ${PER_KEY} events each, { count, sum }`);
for (const [label, assigner, allowedLateness] of cases) {
  const before = heap();
  let full = 0;
  let windows = 0;
  await stream(events(() => (full = heap())), { chunkSize: 4096 })
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 60_000 })
    .keyBy((e) => e.key)
    .window(assigner, { allowedLateness })
    .aggregate({ n: count(), total: sum((e: Ev) => e.value) })
    .forEach(() => void windows++);
  if (windows !== KEYS) throw new Error(`${label}: ${windows} windows fired, expected ${KEYS}`);
  console.log(`  ${label.padEnd(52)} ${((full - before) / KEYS).toFixed(0).padStart(5)} bytes per open (key, window)`);
}
