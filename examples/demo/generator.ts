// A synthetic stream of page views per country, posted to the demo's own ingestion endpoint the way
// real clients would: in NDJSON batches, each with an Idempotency-Key, retried until acknowledged.
// Disorder is realistic: most views arrive within a second or two, some several seconds late (late
// panes, within the allowed lateness), and a few a minute late (beyond it: counted as late events).

export interface PageView {
  country: string;
  page: string;
  ts: number;
}

const COUNTRIES: readonly [string, number][] = [["US", 30], ["IN", 18], ["BR", 12], ["DE", 10], ["FR", 8], ["JP", 8], [
  "GB",
  8,
], ["NG", 6]];
const PAGES = ["/", "/pricing", "/docs", "/blog", "/signup"];
const TOTAL_WEIGHT = COUNTRIES.reduce((s, [, w]) => s + w, 0);

function pick(random: () => number): string {
  let r = random() * TOTAL_WEIGHT;
  for (const [c, w] of COUNTRIES) if ((r -= w) < 0) return c;
  return COUNTRIES[0]![0];
}

/** How long after it happened a view reaches the server (ms). */
function delay(random: () => number): number {
  const r = random();
  if (r < 0.85) return random() * 1_500;
  if (r < 0.98) return 1_500 + random() * 6_500;
  return 30_000 + random() * 30_000;
}

export interface GeneratorOptions {
  /** Where to post (the demo's POST /events). */
  url: string;
  /** Average views per second (default 150). */
  rate?: number;
  /** How often a batch is posted (ms, default 250). */
  tickMs?: number;
  onError?: (message: string) => void;
}

/** Starts generating; the returned function stops it and waits for the batch in flight. */
export function startGenerator(options: GeneratorOptions): () => Promise<void> {
  const { url, rate = 150, tickMs = 250, onError = () => {} } = options;
  const random = Math.random;
  /** Views waiting for their arrival time, and batches built but not yet acknowledged. */
  let waiting: { view: PageView; arrival: number }[] = [];
  const unsent: { key: string; body: string }[] = [];
  let last = Date.now();
  let seq = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const session = Math.random().toString(36).slice(2, 8);

  const tick = () => {
    const now = Date.now();
    // The traffic swells and ebbs over a couple of minutes, so the chart has a shape.
    const swell = 1 + 0.5 * Math.sin(now / 20_000);
    const n = Math.round(((now - last) / 1000) * rate * swell * (0.8 + 0.4 * random()));
    for (let i = 0; i < n; i++) {
      const ts = last + random() * (now - last);
      waiting.push({
        view: { country: pick(random), page: PAGES[Math.floor(random() * PAGES.length)]!, ts: Math.round(ts) },
        arrival: ts + delay(random),
      });
    }
    last = now;
    const due = waiting.filter((w) => w.arrival <= now).sort((a, b) => a.arrival - b.arrival);
    waiting = waiting.filter((w) => w.arrival > now);
    if (due.length > 0) {
      unsent.push({
        key: `${session}-${seq++}`,
        body: due.map((w) => JSON.stringify(w.view)).join("\n") + "\n",
      });
    }
    inFlight = inFlight.then(send);
  };

  const send = async () => {
    while (unsent.length > 0) {
      const batch = unsent[0]!;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-ndjson", "idempotency-key": batch.key },
          body: batch.body,
        });
        await res.body?.cancel();
        if (res.status !== 202) {
          onError(`POST /events answered ${res.status}; retrying`);
          return;
        }
      } catch (error) {
        onError(`POST /events failed (${(error as Error).message}); retrying`);
        return;
      }
      unsent.shift();
    }
  };

  const timer = setInterval(tick, tickMs);
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}
