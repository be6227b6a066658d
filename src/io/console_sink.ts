import type { PaneInfo, Window, WindowResult } from "../window/types.ts";
import { formatTable } from "./_format_table.ts";
import { showValue } from "./_show_value.ts";
import { checkOptionNames } from "../option_names.ts";

/** Options for {@linkcode consoleSink}. */
export interface ConsoleSinkOptions {
  /** Receives each output line. Default `console.log`. */
  write?: (line: string) => void;
  /** Most rows printed per batch; the rest are counted in an "only showing top N rows" line. Default 20. */
  numRows?: number;
  /** Keys and values longer than this many characters are cut and end in "...". Default 40. */
  maxWidth?: number;
  /** Print window bounds as epoch milliseconds (`"number"`, default) or ISO-8601 UTC times (`"iso"`). */
  time?: "number" | "iso";
}

// Microtask turns without a new write after which the batch is printed. Between two results that
// a pipe delivers back to back, runtimes take 1 to 4 turns (measured in Node, Deno and Chromium).
const IDLE_TURNS = 32;

/**
 * A debugging sink that prints window results as text tables, like Spark's console sink.
 *
 * Results that arrive together — written back to back, as the firings of one watermark advance
 * are — form one batch, printed once the writer goes idle (and at the latest on close or abort).
 * Idle means no result for a few dozen microtask turns: a result that comes after a timer, I/O or
 * any other task boundary starts a new batch.
 *
 * ```text
 * -------- Batch: 0 --------
 * +---+-------+----------------+-----+
 * |key| window|            pane|value|
 * +---+-------+----------------+-----+
 * |  a|[0, 10)|on-time #0 final|    3|
 * +---+-------+----------------+-----+
 * ```
 *
 * Batches are numbered from 0. The pane column shows the timing and index of the firing, and
 * "final" on the last pane of a window. Keys and values print as JSON, top-level strings bare
 * (as Spark does), with what JSON cannot say spelled out (`NaN`, `5n`, `undefined`, `[Circular]`).
 *
 * @example Print the results of a pipeline
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { consoleSink, count, stream, tumbling } from "weirjs";
 *
 * const lines: string[] = [];
 * await stream([{ user: "a", ts: 1 }, { user: "a", ts: 2 }, { user: "a", ts: 5 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.user)
 *   .window(tumbling(10))
 *   .aggregate(count())
 *   .pipeTo(consoleSink({ write: (line) => lines.push(line) })); // without `write`: console.log
 * assertEquals(lines, [
 *   "-------- Batch: 0 --------",
 *   "+---+-------+----------------+-----+",
 *   "|key| window|            pane|value|",
 *   "+---+-------+----------------+-----+",
 *   "|  a|[0, 10)|on-time #0 final|    3|",
 *   "+---+-------+----------------+-----+",
 * ]);
 * ```
 */
export function consoleSink<K = unknown, V = unknown>(
  options: ConsoleSinkOptions = {},
): WritableStream<WindowResult<K, V>> {
  checkOptionNames("create console sink", options ?? {}, ["write", "numRows", "maxWidth", "time"]);
  const { write = (line: string) => console.log(line), numRows = 20, maxWidth = 40, time = "number" } = options;
  if (typeof write !== "function") {
    throw new TypeError(`Cannot create console sink as write must be a function: current value is ${String(write)}`);
  }
  if (!Number.isSafeInteger(numRows) || numRows < 1) {
    throw new RangeError(`Cannot create console sink as numRows must be an integer >= 1: current value is ${numRows}`);
  }
  if (!Number.isSafeInteger(maxWidth) || maxWidth < 4) {
    // Below 4 a cut value would be nothing but the "...".
    throw new RangeError(
      `Cannot create console sink as maxWidth must be an integer >= 4: current value is ${maxWidth}`,
    );
  }
  if (time !== "number" && time !== "iso") {
    throw new RangeError(
      `Cannot create console sink as time must be "number" or "iso": current value is ${String(time)}`,
    );
  }

  let batch: WindowResult<K, V>[] = [];
  let batchNumber = 0;
  let writes = 0;
  let watching = false;
  let sinkController: WritableStreamDefaultController | undefined;

  const print = () => {
    if (batch.length === 0) return;
    const results = batch;
    batch = [];
    const rows = results.slice(0, numRows).map((r) => [
      showValue(r.key, maxWidth),
      formatWindow(r.window, time),
      formatPane(r.pane),
      showValue(r.value, maxWidth),
    ]);
    write(`-------- Batch: ${batchNumber++} --------`);
    for (const line of formatTable(rows, ["key", "window", "pane", "value"]).split("\n")) write(line);
    if (results.length > numRows) write(`only showing top ${numRows} rows`);
  };

  // Prints the batch after IDLE_TURNS microtask turns in a row without a write.
  const watch = (seen: number, idle: number) => {
    if (!watching) return;
    if (writes !== seen) {
      queueMicrotask(() => watch(writes, 0));
    } else if (idle < IDLE_TURNS) {
      queueMicrotask(() => watch(seen, idle + 1));
    } else {
      watching = false;
      try {
        print();
      } catch (error) {
        // Outside any sink call, so the failure of `write` reaches the writer this way.
        sinkController?.error(error);
      }
    }
  };

  return new WritableStream<WindowResult<K, V>>({
    start(controller) {
      sinkController = controller;
    },
    write(result) {
      batch.push(result);
      writes++;
      if (!watching) {
        watching = true;
        queueMicrotask(() => watch(writes, 0));
      }
    },
    close() {
      watching = false;
      print();
    },
    abort() {
      watching = false;
      print();
    },
  });
}

function formatWindow(window: Window, time: "number" | "iso"): string {
  return `[${formatTime(window.start, time)}, ${formatTime(window.end, time)})`;
}

function formatTime(t: number, time: "number" | "iso"): string {
  // Dates cover ±8.64e15 ms; the global window's infinite bounds print as numbers.
  if (time === "iso" && Number.isFinite(t) && Math.abs(t) <= 8.64e15) return new Date(t).toISOString();
  return String(t);
}

function formatPane(pane: PaneInfo): string {
  return `${pane.timing} #${pane.index}${pane.isFinal ? " final" : ""}`;
}
