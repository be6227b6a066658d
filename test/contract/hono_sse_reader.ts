// Reads Server-Sent Events from a response in tests, with eventsource-parser, until a condition holds.
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";

export interface ReadSseOptions {
  /** Cancel the body when done (default true); false leaves the connection open for the caller. */
  cancel?: boolean;
  /** Give up after this many ms (default 10 000), so a broken stream fails the test instead of hanging it. */
  timeoutMs?: number;
  /** Stop once this many events were read even if `until` does not hold yet (default Infinity). */
  maxEvents?: number;
}

export async function readSse(
  res: Response,
  until: (events: EventSourceMessage[]) => boolean,
  options: ReadSseOptions = {},
): Promise<EventSourceMessage[]> {
  if (res.status !== 200) throw new Error(`GET /results answered ${res.status}: ${await res.text()}`);
  const { cancel = true, timeoutMs = 10_000, maxEvents = Infinity } = options;
  const events: EventSourceMessage[] = [];
  if (maxEvents === 0) return events;
  const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`SSE: condition not met within ${timeoutMs} ms; got ${JSON.stringify(events)}`)),
      timeoutMs,
    );
  });
  try {
    while (!until(events) && events.length < maxEvents) {
      const r = await Promise.race([reader.read(), timeout]);
      if (r.done) throw new Error(`SSE stream ended before the condition held; got ${JSON.stringify(events)}`);
      events.push(r.value);
    }
    return events;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (cancel) await reader.cancel().catch(() => {});
    else reader.releaseLock();
  }
}
