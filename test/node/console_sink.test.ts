import { describe, expect, test, vi } from "vitest";
import { formatTable } from "../../src/io/_format_table.ts";
import { consoleSink, type ConsoleSinkOptions } from "../../src/io/console_sink.ts";
import type { PaneInfo, WindowResult } from "../../src/window/types.ts";

const onTime: PaneInfo = { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true };

function result<K, V>(key: K, start: number, end: number, value: V, pane: Partial<PaneInfo> = {}): WindowResult<K, V> {
  return { key, window: { start, end }, value, timestamp: end - 1, pane: { ...onTime, ...pane } };
}

function capture(options: ConsoleSinkOptions = {}) {
  const lines: string[] = [];
  return { lines, sink: consoleSink({ ...options, write: (line) => void lines.push(line) }) };
}

function source<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream({
    start(c) {
      for (const item of items) c.enqueue(item);
      c.close();
    },
  });
}

/** Lets microtasks run until `cond` holds; fails instead of hanging when it never does. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await Promise.resolve();
  expect(cond()).toBe(true);
}

describe("consoleSink", () => {
  test("prints results piped together as one batch, as a Spark-style table", async () => {
    const { lines, sink } = capture();
    await source([
      result("a", 0, 10, 3),
      result("bob", 10, 20, { n: 2, mean: 1.5 }, { timing: "early", index: 1, isFinal: false }),
    ]).pipeTo(sink);
    expect(lines.join("\n")).toBe(
      [
        "-------- Batch: 0 --------",
        "+---+--------+----------------+------------------+",
        "|key|  window|            pane|             value|",
        "+---+--------+----------------+------------------+",
        "|  a| [0, 10)|on-time #0 final|                 3|",
        '|bob|[10, 20)|        early #1|{"n":2,"mean":1.5}|',
        "+---+--------+----------------+------------------+",
      ].join("\n"),
    );
  });

  test("groups results written back to back; a result after the writer went idle starts a new batch", async () => {
    const { lines, sink } = capture();
    const writer = sink.getWriter();
    void writer.write(result("a", 0, 10, 1));
    void writer.write(result("b", 0, 10, 2));
    await until(() => lines.length > 0);
    expect(lines.filter((l) => l.startsWith("-------- Batch"))).toEqual(["-------- Batch: 0 --------"]);
    expect(lines.filter((l) => /^\|\s+[ab]\|/.test(l))).toHaveLength(2);
    lines.length = 0;
    await writer.write(result("c", 10, 20, 3));
    await writer.close();
    expect(lines[0]).toBe("-------- Batch: 1 --------");
    expect(lines.filter((l) => /^\|\s+c\|/.test(l))).toHaveLength(1);
  });

  test("groups a burst that arrives through several pipes", async () => {
    const { lines, sink } = capture();
    const identity = () => new TransformStream<WindowResult, WindowResult>();
    const burst = new TransformStream<number, WindowResult>({
      transform(n, c) {
        for (let i = 0; i < n; i++) c.enqueue(result(`k${i}`, 0, 10, i));
      },
    });
    await source([5]).pipeThrough(burst).pipeThrough(identity()).pipeThrough(identity()).pipeTo(sink);
    expect(lines.filter((l) => l.startsWith("-------- Batch"))).toEqual(["-------- Batch: 0 --------"]);
    expect(lines.filter((l) => /^\|\s+k\d\|/.test(l))).toHaveLength(5);
  });

  test("prints nothing for no results", async () => {
    const { lines, sink } = capture();
    await source([]).pipeTo(sink);
    expect(lines).toEqual([]);
  });

  test("prints the pending batch when aborted", async () => {
    const { lines, sink } = capture();
    const writer = sink.getWriter();
    await writer.write(result("a", 0, 10, 1));
    await writer.abort(new Error("stop"));
    expect(lines[0]).toBe("-------- Batch: 0 --------");
  });

  test("shows at most numRows rows per batch, default 20", async () => {
    const many = Array.from({ length: 25 }, (_, i) => result(`k${i}`, 0, 10, i));
    const byDefault = capture();
    await source(many).pipeTo(byDefault.sink);
    expect(byDefault.lines.filter((l) => /^\|\s*k\d+\|/.test(l))).toHaveLength(20);
    expect(byDefault.lines.at(-1)).toBe("only showing top 20 rows");
    expect(byDefault.lines.filter((l) => l.includes("|k19|"))).toHaveLength(1);

    const two = capture({ numRows: 2 });
    await source(many.slice(0, 3)).pipeTo(two.sink);
    expect(two.lines.filter((l) => /^\|\s*k\d+\|/.test(l))).toEqual([
      "| k0|[0, 10)|on-time #0 final|    0|",
      "| k1|[0, 10)|on-time #0 final|    1|",
    ]);
    expect(two.lines.at(-1)).toBe("only showing top 2 rows");

    const exact = capture({ numRows: 3 });
    await source(many.slice(0, 3)).pipeTo(exact.sink);
    expect(exact.lines.some((l) => l.startsWith("only showing"))).toBe(false);
  });

  test("cuts keys and values to maxWidth characters, default 40", async () => {
    const long = "x".repeat(50);
    const byDefault = capture();
    await source([result(long, 0, 10, long)]).pipeTo(byDefault.sink);
    const cut = "x".repeat(37) + "...";
    expect(byDefault.lines[4]).toBe(`|${cut}|[0, 10)|on-time #0 final|${cut}|`);

    const narrow = capture({ maxWidth: 8 });
    await source([result("😀😀😀😀😀😀😀😀😀", 0, 10, { list: [1, 2, 3] })]).pipeTo(narrow.sink);
    expect(narrow.lines[4]).toBe('|😀😀😀😀😀...|[0, 10)|on-time #0 final|{"lis...|');
  });

  test("renders values JSON-like, spelling out what JSON cannot say", async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const values: [unknown, string][] = [
      ["plain", "plain"],
      [["s", null], '["s",null]'],
      [{ mean: NaN, max: -Infinity }, '{"mean":NaN,"max":-Infinity}'],
      [12n, "12n"],
      [undefined, "undefined"],
      [new Map([["a", 1]]), '{"a":1}'],
      [new Set([1, 2]), "[1,2]"],
      [new Date(0), '"1970-01-01T00:00:00.000Z"'],
      [cyclic, '{"a":1,"self":[Circular]}'],
      ["two\nlines", "two\\nlines"],
      ["del\u007f", "del\\u007f"],
      [{
        ok: 1,
        bad: {
          toJSON: () => {
            throw new Error("no");
          },
        },
      }, '{"ok":1,"bad":[Error: no]'],
      [Array.from({ length: 1e5 }, (_, i) => i), "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,..."],
    ];
    for (const [value, shown] of values) {
      const { lines, sink } = capture({ maxWidth: 60 });
      await source([result("k", 0, 10, value)]).pipeTo(sink);
      expect(lines[4].split("|")[4].trim()).toBe(shown);
    }
  });

  test('prints windows as ISO times with time: "iso", keeping infinite bounds numeric', async () => {
    const { lines, sink } = capture({ time: "iso" });
    await source([result("a", 0, 10_000, 1), result("g", -Infinity, Infinity, 2)]).pipeTo(sink);
    expect(lines[4]).toContain("|[1970-01-01T00:00:00.000Z, 1970-01-01T00:00:10.000Z)|");
    expect(lines[5]).toContain(" [-Infinity, Infinity)|");
  });

  test("marks the pane's timing, index and finality", async () => {
    const { lines, sink } = capture();
    await source([
      result("a", 0, 10, 1, { timing: "early", index: 0, isFinal: false }),
      result("a", 0, 10, 2, { timing: "on-time", index: 1, isFinal: false }),
      result("a", 0, 10, 3, { timing: "late", index: 2, isFinal: true }),
    ]).pipeTo(sink);
    expect(lines.slice(4, 7).map((l) => l.split("|")[3].trim())).toEqual(["early #0", "on-time #1", "late #2 final"]);
  });

  test("writes to console.log by default", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await source([result("a", 0, 10, 1)]).pipeTo(consoleSink());
      expect(log.mock.calls.map((c) => c[0])[0]).toBe("-------- Batch: 0 --------");
      expect(log).toHaveBeenCalledTimes(6);
    } finally {
      log.mockRestore();
    }
  });

  test("errors the stream when write throws", async () => {
    const boom = new Error("boom");
    const sink = consoleSink({
      write: () => {
        throw boom;
      },
    });
    const writer = sink.getWriter();
    await writer.write(result("a", 0, 10, 1));
    await expect(writer.closed).rejects.toBe(boom);
  });

  test("validates its options", () => {
    expect(() => consoleSink({ numRows: 0 })).toThrow(
      new RangeError("Cannot create console sink as numRows must be an integer >= 1: current value is 0"),
    );
    expect(() => consoleSink({ maxWidth: 3 })).toThrow(
      new RangeError("Cannot create console sink as maxWidth must be an integer >= 4: current value is 3"),
    );
    expect(() => consoleSink({ time: "local" as "iso" })).toThrow(
      new RangeError('Cannot create console sink as time must be "number" or "iso": current value is local'),
    );
    expect(() => consoleSink({ write: "log" as unknown as () => void })).toThrow(
      new TypeError("Cannot create console sink as write must be a function: current value is log"),
    );
  });
});

describe("formatTable", () => {
  test("right-aligns cells in columns at least 3 wide", () => {
    expect(formatTable([["a", "10"], ["bcde", ""]], ["k", "value"])).toBe(
      ["+----+-----+", "|   k|value|", "+----+-----+", "|   a|   10|", "|bcde|     |", "+----+-----+"].join("\n"),
    );
  });

  test("counts an emoji as one column", () => {
    expect(formatTable([["😀"]], ["e"]).split("\n")[3]).toBe("|  😀|");
  });

  test("prints headers alone for no rows", () => {
    expect(formatTable([], ["key"])).toBe("+---+\n|key|\n+---+\n+---+");
  });

  test("rejects a row with the wrong number of cells", () => {
    expect(() => formatTable([["a"]], ["k", "v"])).toThrow(
      new RangeError("Cannot format table row as it has 1 cells: expected one per header (2)"),
    );
  });
});
