// The HTTP contract of adapters/hono, runtime-neutral: every case gets a `serve` function from its
// runtime's test file (app.request in-process, @hono/node-server, Deno.serve, Bun.serve, workerd) and
// checks status, message, and — for every refusal — that the log's stored data did not change.
import type { HonoCase } from "./hono_fixture.ts";
import { hostileCases } from "./hono_hostile_cases.ts";
import { ingestCases } from "./hono_ingest_cases.ts";
import { resultsCases } from "./hono_results_cases.ts";

export { type Fixture, fixture, type HonoCase, type Serve, type Served, TOKEN, type View } from "./hono_fixture.ts";

export const honoCases: HonoCase[] = [...ingestCases, ...hostileCases, ...resultsCases];
