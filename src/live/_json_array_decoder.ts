// Splits a streamed JSON array (or a single top-level object) into its elements without holding the
// whole text: a small scanner finds where each element ends (tracking strings, escapes and nesting),
// and JSON.parse parses that element alone. Errors name the line.
import { DecodeError } from "../errors.ts";

/** One element and the line it starts on. */
export interface LineValue {
  value: unknown;
  line: number;
}

const enum Mode {
  Start,
  ArrayOpen,
  AfterComma,
  Value,
  AfterValue,
  Done,
}
const enum Kind {
  Container,
  String,
  Scalar,
}

/** Separates a JSON.parse message from the position engines append ("... in JSON at position 12 (line 1 column 13)"). */
export function splitJsonError(msg: string): { message: string; position?: number } {
  const m = / in JSON at position (\d+).*$/.exec(msg);
  return m === null ? { message: msg } : { message: msg.slice(0, m.index), position: Number(m[1]) };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonArrayDecoderStream extends TransformStream<string, LineValue> {
  constructor() {
    let mode = Mode.Start;
    let kind = Kind.Scalar;
    let depth = 0;
    let inString = false;
    let escape = false;
    let single = false;
    let line = 1;
    let valueLine = 1;
    /** 0-based column where the current element starts, and characters since the last newline before this chunk. */
    let valueCol = 0;
    let colCarry = 0;
    let parts: string[] = [];
    let sawInput = false;

    const fail = (what: string, at: number): never => {
      throw new DecodeError(`Malformed JSON at line ${at}: ${what}`, { line: at });
    };
    const emit = (text: string, controller: TransformStreamDefaultController<LineValue>) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        const { message, position } = splitJsonError((cause as Error).message);
        let at = valueLine;
        let where = "";
        if (position !== undefined) {
          // The parser's position is within the element: turn it into a line and column of the body.
          const before = text.slice(0, position);
          const nl = before.lastIndexOf("\n");
          at += before.match(/\n/g)?.length ?? 0;
          where = `, column ${(nl < 0 ? valueCol + position : position - nl - 1) + 1}`;
        }
        throw new DecodeError(`Malformed JSON at line ${at}${where}: ${message}`, { cause, line: at });
      }
      controller.enqueue({ value, line: valueLine });
      mode = single ? Mode.Done : Mode.AfterValue;
    };

    super({
      transform(chunk, controller) {
        let start = mode === Mode.Value ? 0 : -1;
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk.charCodeAt(i);
          if (!sawInput && c === 0xfeff) continue;
          sawInput = true;
          if (mode === Mode.Value) {
            if (inString) {
              if (escape) escape = false;
              else if (c === 0x5c) escape = true;
              else if (c === 0x22) {
                inString = false;
                if (kind === Kind.String) {
                  emit(parts.join("") + chunk.slice(start, i + 1), controller);
                  parts = [];
                }
              } else if (c === 0x0a) line++;
              continue;
            }
            if (kind === Kind.Scalar && (c === 0x2c || c === 0x5d || c === 0x7d || isSpace(c))) {
              emit(parts.join("") + chunk.slice(start, i), controller);
              parts = [];
              // fall through: the delimiter is handled below as the token after the value
            } else {
              if (c === 0x22) inString = true;
              else if (c === 0x7b || c === 0x5b) depth++;
              else if (c === 0x7d || c === 0x5d) {
                if (--depth === 0) {
                  emit(parts.join("") + chunk.slice(start, i + 1), controller);
                  parts = [];
                }
              } else if (c === 0x0a) line++;
              continue;
            }
          }
          if (c === 0x0a) line++;
          if (isSpace(c)) continue;
          switch (mode) {
            case Mode.Start:
              if (c === 0x5b) mode = Mode.ArrayOpen;
              else if (c === 0x7b) {
                single = true;
                begin(i);
              } else fail("the body must be a JSON array of events (or one JSON object)", line);
              break;
            case Mode.ArrayOpen:
            case Mode.AfterComma:
              if (c === 0x5d && mode === Mode.ArrayOpen) mode = Mode.Done;
              else if (c === 0x5d || c === 0x2c) {
                fail(`unexpected '${String.fromCharCode(c)}' where an element was expected`, line);
              } else begin(i);
              break;
            case Mode.AfterValue:
              if (c === 0x2c) mode = Mode.AfterComma;
              else if (c === 0x5d) mode = Mode.Done;
              else fail(`expected ',' or ']' after an element, found '${String.fromCharCode(c)}'`, line);
              break;
            case Mode.Done:
              fail("unexpected data after the end of the JSON body", line);
          }
        }
        if (mode === Mode.Value) parts.push(chunk.slice(start));
        const lastNl = chunk.lastIndexOf("\n");
        colCarry = lastNl < 0 ? colCarry + chunk.length : chunk.length - lastNl - 1;

        function begin(i: number): void {
          mode = Mode.Value;
          start = i;
          valueLine = line;
          const nl = chunk.lastIndexOf("\n", i - 1);
          valueCol = nl < 0 || i === 0 ? colCarry + i : i - nl - 1;
          const c = chunk.charCodeAt(i);
          if (c === 0x7b || c === 0x5b) {
            kind = Kind.Container;
            depth = 1;
          } else if (c === 0x22) {
            kind = Kind.String;
            inString = true;
          } else kind = Kind.Scalar;
          // The element's first character is consumed here; scanning continues after it.
          escape = false;
        }
      },
      flush(controller) {
        if (mode === Mode.Value && kind === Kind.Scalar && !single) {
          emit(parts.join(""), controller);
          parts = [];
        }
        if (mode === Mode.Start) fail("the body is empty", line);
        if (mode !== Mode.Done) fail(single ? "the JSON object is not closed" : "the JSON array is not closed", line);
      },
    });
  }
}
