// The bytes of a request body as `readBatch` parses them: the body as received, paced (a deadline and
// a minimum rate, so a client trickling its body cannot hold a slot for long), bounded in size,
// decoded per `Content-Encoding` with the WHATWG DecompressionStream, and bounded again in size once
// decoded (a zip bomb stops at the limit, never expands in full).

/** The body took longer than the deadline, or fell behind the minimum rate: the HTTP answer is 408. */
export class BodyTooSlow extends Error {}
/** The body (as received or decoded) is larger than the limit: 413. */
export class BodyTooLarge extends Error {}
/** The body is not valid data of its Content-Encoding: 400. */
export class BodyNotDecodable extends Error {}

/** The first second of a body is not held to the minimum rate: connections take a moment to get going. */
export const RATE_GRACE_MS = 1_000;

const CODINGS: Record<string, string> = { gzip: "gzip", "x-gzip": "gzip", deflate: "deflate", br: "brotli" };
const supported = new Map<string, boolean>();

function runtimeDecodes(format: string): boolean {
  let ok = supported.get(format);
  if (ok === undefined) {
    try {
      new DecompressionStream(format as CompressionFormat);
      ok = true;
    } catch {
      ok = false;
    }
    supported.set(format, ok);
  }
  return ok;
}

/** Content codings this runtime decodes, as `Content-Encoding` names them. */
export function supportedCodings(): string[] {
  return Object.keys(CODINGS).filter((c) => runtimeDecodes(CODINGS[c]!));
}

/**
 * The DecompressionStream format for a `Content-Encoding` header: `null` for none (absent or
 * `identity`), `undefined` when the coding is not supported (one coding at most).
 */
export function decompressionFormat(header: string | undefined): string | null | undefined {
  const codings = (header ?? "").split(",").map((c) => c.trim().toLowerCase()).filter((c) =>
    c !== "" && c !== "identity"
  );
  if (codings.length === 0) return null;
  const format = codings.length === 1 ? CODINGS[codings[0]!] : undefined;
  return format !== undefined && runtimeDecodes(format) ? format : undefined;
}

/** How a body is paced and bounded. */
export interface BodyLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  minBodyBytesPerSecond: number;
}

function paced(
  limits: BodyLimits,
  signal: AbortSignal | undefined,
): { stream: TransformStream<Uint8Array, Uint8Array>; stop(): void } {
  const start = Date.now();
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller!: TransformStreamDefaultController<Uint8Array>;
  const { bodyTimeoutMs, minBodyBytesPerSecond: rate } = limits;
  const check = () => {
    const elapsed = Date.now() - start;
    if (elapsed >= bodyTimeoutMs) {
      controller.error(new BodyTooSlow(`Request body took longer than the limit of ${bodyTimeoutMs} ms`));
    } else if (bytes < rate * (elapsed - RATE_GRACE_MS) / 1000) {
      controller.error(
        new BodyTooSlow(
          `Request body arrived too slowly: ${bytes} bytes in ${elapsed} ms, below the minimum of ${rate} bytes per second`,
        ),
      );
    } else schedule();
  };
  // One timer per body, set for the moment the body would fall behind if no more bytes came.
  const schedule = () => {
    const behindAt = Math.min(bodyTimeoutMs, RATE_GRACE_MS + Math.ceil((bytes + 1) * 1000 / rate));
    timer = setTimeout(check, Math.max(0, behindAt - (Date.now() - start)));
  };
  const cut = () => {
    controller.error(
      new BodyTooSlow(
        `Request body was cut to make room for clients that send faster: ${bytes} bytes in ${Date.now() - start} ms`,
      ),
    );
  };
  const stop = () => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", cut);
  };
  return {
    stream: new TransformStream({
      start(c) {
        controller = c;
        if (signal?.aborted) cut();
        else {
          signal?.addEventListener("abort", cut, { once: true });
          schedule();
        }
      },
      transform(chunk, c) {
        bytes += chunk.byteLength;
        if (bytes > limits.maxBodyBytes) c.error(tooLarge(limits.maxBodyBytes));
        else c.enqueue(chunk);
      },
      flush: stop,
    }),
    stop,
  };
}

function tooLarge(max: number): BodyTooLarge {
  return new BodyTooLarge(`Request body is larger than the limit of ${max} bytes`);
}

function counted(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > max) controller.error(tooLarge(max));
      else controller.enqueue(chunk);
    },
  });
}

/** A decompressor whose own errors (bad data) become BodyNotDecodable; errors from upstream pass as they are. */
function decompressed(bytes: ReadableStream<Uint8Array>, format: string): ReadableStream<Uint8Array> {
  const reader = bytes.pipeThrough(
    new DecompressionStream(format as CompressionFormat) as ReadableWritablePair<Uint8Array, Uint8Array>,
  ).getReader();
  const name = format === "brotli" ? "br" : format;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await reader.read();
        if (r.done) c.close();
        else c.enqueue(r.value);
      } catch (error) {
        c.error(
          error instanceof BodyTooSlow || error instanceof BodyTooLarge
            ? error
            : new BodyNotDecodable(`Request body is not valid ${name} data: ${(error as Error)?.message ?? error}`),
        );
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * The decoded bytes of `body`; `stop` must be called once reading ends (it clears the pacing timer).
 * When `keep` is given, every decoded chunk is also pushed onto it (for a digest of the body); when
 * `signal` aborts, reading stops with BodyTooSlow.
 */
export function bodyBytes(
  body: ReadableStream<Uint8Array>,
  format: string | null,
  limits: BodyLimits,
  { keep, signal }: { keep?: Uint8Array[] | undefined; signal?: AbortSignal | undefined } = {},
): { bytes: ReadableStream<Uint8Array>; stop(): void } {
  const pace = paced(limits, signal);
  let bytes = body.pipeThrough(pace.stream);
  if (format !== null) bytes = decompressed(bytes, format).pipeThrough(counted(limits.maxBodyBytes));
  if (keep !== undefined) {
    bytes = bytes.pipeThrough(
      new TransformStream({
        transform(chunk, c) {
          keep.push(chunk);
          c.enqueue(chunk);
        },
      }),
    );
  }
  return { bytes, stop: pace.stop };
}

/** SHA-256 of the concatenated chunks, in hex. */
export async function sha256Hex(chunks: readonly Uint8Array[]): Promise<string> {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
