// CSV rows (RFC 4180) from results: nested plain objects become dotted column names, a window result
// keeps the columns a reader of its files needs, in a fixed order.

/** One row: column names and their cells, already quoted where needed. */
export interface CsvRow {
  columns: string[];
  cells: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** A field as RFC 4180 writes it: quoted when it holds a quote, comma, CR or LF (or is an empty string). */
export function csvField(text: string, empty = false): string {
  if (empty || /[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return csvField(v, v === "");
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  return csvField(JSON.stringify(v) ?? String(v));
}

function flatten(name: string, v: unknown, row: CsvRow): void {
  if (isPlainObject(v) && Object.keys(v).length > 0) {
    for (const [k, inner] of Object.entries(v)) flatten(name === "" ? k : `${name}.${k}`, inner, row);
    return;
  }
  row.columns.push(csvField(name === "" ? "value" : name));
  row.cells.push(cell(v));
}

const isWindowResult = (v: unknown): v is {
  key: unknown;
  window: { start: number; end: number };
  timestamp: number;
  pane: { timing: string; index: number };
  value: unknown;
} => {
  if (!isPlainObject(v)) return false;
  const w = v.window as { start?: unknown } | undefined, p = v.pane as { timing?: unknown } | undefined;
  return "key" in v && "value" in v && typeof v.timestamp === "number" && typeof w === "object" && w !== null &&
    typeof w.start === "number" && typeof p === "object" && p !== null && typeof p.timing === "string";
};

/**
 * The row of `value`. A window result: `key` (or `key.<field>` for an object key), `window.start`,
 * `window.end`, `timestamp`, `pane.timing`, `pane.index`, then `value` (or `value.<field>`). Anything else:
 * its fields, flattened. Times are epoch milliseconds; arrays and other objects are JSON text.
 */
export function csvRow(value: unknown): CsvRow {
  const row: CsvRow = { columns: [], cells: [] };
  if (isWindowResult(value)) {
    flatten("key", value.key, row);
    flatten("window.start", value.window.start, row);
    flatten("window.end", value.window.end, row);
    flatten("timestamp", value.timestamp, row);
    flatten("pane.timing", value.pane.timing, row);
    flatten("pane.index", value.pane.index, row);
    flatten("value", value.value, row);
  } else flatten("", value, row);
  return row;
}

export const CRLF = "\r\n";
