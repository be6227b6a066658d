// Checks fileSource's options up front, with messages that say what was wrong and the value given.
import { checkOptionNames } from "../../src/state/mod.ts";
import type { FileSourceOptions } from "./file_source.ts";

export type Format = "ndjson" | "csv";

export interface CheckedOptions {
  pattern: RegExp;
  format: Format | undefined;
  pollMs: number | undefined;
  tail: boolean;
  maxFilesPerBatch: number;
  cleanSource: "archive" | "delete" | undefined;
  archiveDir: string | undefined;
  readBytes: number;
  maxLineBytes: number;
  columns: boolean | readonly string[];
  delimiter: string;
}

const NAMES = [
  "pattern",
  "format",
  "follow",
  "tail",
  "maxFilesPerBatch",
  "cleanSource",
  "archiveDir",
  "onInvalid",
  "readBytes",
  "maxLineBytes",
  "columns",
  "cast",
  "delimiter",
  "parse",
];

const PATTERNS: Record<Format | "any", RegExp> = {
  ndjson: /\.(ndjson|jsonl|json)(\.gz)?$/,
  csv: /\.csv(\.gz)?$/,
  any: /\.(ndjson|jsonl|json|csv)(\.gz)?$/,
};

const show = (v: unknown) => typeof v === "string" ? JSON.stringify(v) : String(v);

function fail(what: string, v: unknown, Err: typeof TypeError = TypeError): never {
  throw new Err(`Cannot create fileSource as ${what}: current value is ${show(v)}`);
}

function positiveInt(name: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) fail(`${name} must be an integer >= 1`, v, RangeError);
  return v as number;
}

/** The format of `file`: the option, else its extension (before `.gz`). */
export function formatOf(file: string, format: Format | undefined): Format {
  if (format !== undefined) return format;
  const name = file.endsWith(".gz") ? file.slice(0, -3) : file;
  if (/\.(ndjson|jsonl|json)$/.test(name)) return "ndjson";
  if (name.endsWith(".csv")) return "csv";
  throw new TypeError(
    `Cannot read ${file} as its format is unknown: name it .ndjson, .jsonl, .json or .csv (optionally .gz), or pass format`,
  );
}

export function checkOptions(dir: unknown, options: FileSourceOptions<unknown>): CheckedOptions {
  if (typeof dir !== "string" || dir === "") fail("dir must be a non-empty string", dir);
  if (typeof options !== "object" || options === null) fail("options must be an object", options);
  checkOptionNames("create fileSource", options, NAMES);
  const { format, follow, tail = false, cleanSource, archiveDir, onInvalid, cast, parse } = options;
  if (format !== undefined && format !== "ndjson" && format !== "csv") fail(`format must be "ndjson" or "csv"`, format);
  const pattern = options.pattern ?? PATTERNS[format ?? "any"];
  if (!(pattern instanceof RegExp)) fail("pattern must be a RegExp", pattern);
  if (follow !== undefined && (typeof follow !== "object" || follow === null)) {
    fail("follow must be { pollMs }", follow);
  }
  const pollMs = follow === undefined ? undefined : positiveInt("follow.pollMs", follow.pollMs);
  if (typeof tail !== "boolean") fail("tail must be a boolean", tail);
  if (tail && pollMs === undefined) fail("tail needs follow: { pollMs } to know how often to look for growth", tail);
  if (cleanSource !== undefined && cleanSource !== "archive" && cleanSource !== "delete") {
    fail(`cleanSource must be "archive" or "delete"`, cleanSource);
  }
  if (cleanSource === "archive" && (typeof archiveDir !== "string" || archiveDir === "")) {
    fail(`cleanSource "archive" needs archiveDir, a non-empty string`, archiveDir);
  }
  if (archiveDir !== undefined && cleanSource !== "archive") {
    fail(`archiveDir is only used with cleanSource "archive"`, cleanSource);
  }
  if (onInvalid !== undefined && typeof onInvalid !== "function") fail("onInvalid must be a function", onInvalid);
  if (parse !== undefined && typeof parse !== "function") fail("parse must be a function", parse);
  if (cast !== undefined && typeof cast !== "boolean" && typeof cast !== "function") {
    fail("cast must be a boolean or a function", cast);
  }
  const columns = options.columns ?? true;
  if (
    typeof columns !== "boolean" &&
    !(Array.isArray(columns) && columns.length > 0 && columns.every((c) => typeof c === "string"))
  ) {
    fail("columns must be true, false or a non-empty array of strings", JSON.stringify(columns));
  }
  const delimiter = options.delimiter ?? ",";
  if (
    typeof delimiter !== "string" || delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f ||
    /["\r\n]/.test(delimiter)
  ) {
    fail("delimiter must be one ASCII character other than a quote, CR or LF", delimiter);
  }
  return {
    pattern,
    format,
    pollMs,
    tail,
    maxFilesPerBatch: options.maxFilesPerBatch === undefined
      ? Infinity
      : positiveInt("maxFilesPerBatch", options.maxFilesPerBatch),
    cleanSource,
    archiveDir,
    readBytes: positiveInt("readBytes", options.readBytes ?? 64 * 1024),
    maxLineBytes: positiveInt("maxLineBytes", options.maxLineBytes ?? 1024 * 1024),
    columns,
    delimiter,
  };
}
