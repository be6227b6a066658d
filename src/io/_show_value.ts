// Short, one-line, JSON-like text for any value, for console output. Strings print bare at the top
// (as in Spark's show) and quoted inside structures; what JSON cannot say is spelled out (NaN,
// Infinity, 5n, undefined, [Circular]). Rendering stops once the text is longer than the column can
// show, so a huge value (a `collect()` of a million elements) costs no more than a small one.

const STOP = Symbol("stop");

/** One-line text for `value`, cut to `maxWidth` code points with a trailing "...". Never throws. */
export function showValue(value: unknown, maxWidth: number): string {
  // Enough code units for more than maxWidth code points (see truncate).
  const limit = 2 * maxWidth + 2;
  const parts: string[] = [];
  let length = 0;
  const put = (text: string) => {
    parts.push(text);
    length += text.length;
    if (length > limit) throw STOP;
  };
  try {
    if (typeof value === "string") put(value);
    else render(value, put, new Set());
  } catch (error) {
    // A throwing getter or toJSON: show how far rendering got, and why it stopped.
    if (error !== STOP) parts.push(`[${describeError(error)}]`);
  }
  return truncate(escapeControls(parts.join("")), maxWidth);
}

function render(value: unknown, put: (text: string) => void, ancestors: Set<object>): void {
  switch (typeof value) {
    case "string":
      return put(JSON.stringify(value));
    case "bigint":
      return put(`${value}n`);
    case "symbol":
      return put(value.toString());
    case "function":
      return put(`[Function ${value.name || "anonymous"}]`);
    case "object":
      break;
    default:
      return put(String(value));
  }
  if (value === null) return put("null");
  if (ancestors.has(value)) return put("[Circular]");
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return render(toJSON.call(value), put, ancestors);
  ancestors.add(value);
  if (Array.isArray(value) || value instanceof Set) {
    put("[");
    let first = true;
    for (const item of value) {
      if (!first) put(",");
      first = false;
      render(item, put, ancestors);
    }
    put("]");
  } else {
    const entries = value instanceof Map ? value.entries() : Object.entries(value);
    put("{");
    let first = true;
    for (const [k, v] of entries) {
      if (!first) put(",");
      first = false;
      if (typeof k === "string") put(JSON.stringify(k));
      else render(k, put, ancestors);
      put(":");
      render(v, put, ancestors);
    }
    put("}");
  }
  ancestors.delete(value);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// A line break or other control character inside a cell would break the table's lines.
function escapeControls(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === "\u007f" ? "\\u007f" : JSON.stringify(c).slice(1, -1)));
}

function truncate(text: string, maxWidth: number): string {
  if (text.length <= maxWidth) return text;
  // A code point is at most two code units, so this prefix holds more than maxWidth of them
  // unless it is the whole text.
  const chars = [...text.slice(0, 2 * maxWidth + 2)];
  return chars.length <= maxWidth ? text : chars.slice(0, maxWidth - 3).join("") + "...";
}
