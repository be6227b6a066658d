// Renders rows as a bordered text table in the style of Spark's `Dataset.show()`: cells are
// right-aligned, every column at least 3 characters wide. Widths count code points, so astral
// characters (emoji) take one column; East Asian wide characters still misalign, as in Spark.
// Cells are expected on one line (callers escape newlines).

/** Formats `rows` under `headers` as a text table; each row must have one cell per header. */
export function formatTable(rows: string[][], headers: string[]): string {
  const widths = headers.map((h) => Math.max(3, width(h)));
  for (const row of rows) {
    if (row.length !== headers.length) {
      throw new RangeError(
        `Cannot format table row as it has ${row.length} cells: expected one per header (${headers.length})`,
      );
    }
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i], width(cell))));
  }
  const border = "+" + widths.map((w) => "-".repeat(w)).join("+") + "+";
  const line = (cells: string[]) => "|" + cells.map((c, i) => " ".repeat(widths[i] - width(c)) + c).join("|") + "|";
  return [border, line(headers), border, ...rows.map(line), border].join("\n");
}

function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
