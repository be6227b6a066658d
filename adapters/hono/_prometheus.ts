// Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per metric family.

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge";
  /** Samples: a bare value, or values by label set. */
  readonly samples: number | readonly { readonly labels: Readonly<Record<string, string>>; readonly value: number }[];
}

function num(v: number): string {
  return Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v);
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels).map((k) =>
    `${k}="${labels[k]!.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export function renderPrometheus(families: readonly MetricFamily[]): string {
  let out = "";
  for (const f of families) {
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${f.name} ${f.type}\n`;
    if (typeof f.samples === "number") out += `${f.name} ${num(f.samples)}\n`;
    else for (const s of f.samples) out += `${f.name}${labelText(s.labels)} ${num(s.value)}\n`;
  }
  return out;
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
