// Refuses a body whose events nest deeper than a limit, while it streams and before any element is
// parsed: recursive code downstream (JSON.stringify when the log stores an event, schema validators)
// would otherwise overflow the stack on an event nested 10,000 levels. It scans UTF-8 bytes: the
// bytes that matter (brackets, braces, quotes, backslash, newline) are ASCII and never occur inside a
// multi-byte sequence.
import { DecodeError } from "../errors.ts";

const QUOTE = 0x22, BACKSLASH = 0x5c, NEWLINE = 0x0a;
const OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d;

/**
 * Passes bytes through unchanged and errors with a DecodeError naming the line as soon as an event
 * nests deeper than `maxDepth` (an event `{"a":[1]}` is 2 levels). In `"json"`, a top-level array
 * is the batch, not a level of its events; in `"ndjson"`, each line starts again at level 0.
 */
export class NestingLimitStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor(maxDepth: number, format: "json" | "ndjson") {
    let depth = 0;
    let allowed = maxDepth;
    let started = format === "ndjson";
    let inString = false;
    let escape = false;
    let line = 1;
    super({
      transform(chunk, controller) {
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i]!;
          if (c === NEWLINE) {
            line++;
            if (format === "ndjson") depth = 0, inString = false, escape = false;
            continue;
          }
          if (inString) {
            if (escape) escape = false;
            else if (c === BACKSLASH) escape = true;
            else if (c === QUOTE) inString = false;
            continue;
          }
          if (!started && c > 0x20 && c < 0x80) {
            started = true;
            if (c === OPEN_ARRAY) allowed++;
          }
          if (c === QUOTE) inString = true;
          else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
            if (++depth > allowed) {
              throw new DecodeError(
                `Malformed ${
                  format === "json" ? "JSON" : "NDJSON"
                } at line ${line}: an event is nested deeper than the limit of ${maxDepth} levels`,
                { line },
              );
            }
          } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
        }
        controller.enqueue(chunk);
      },
    });
  }
}
