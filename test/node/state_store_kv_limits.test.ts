// Deno KV's limits under Node: @deno/kv enforces none, so the adapter refuses what Deno would, and every
// batch below must fit them (see test/contract/deno_kv_limit_cases.ts; Deno runs the same cases).
import { openKv } from "@deno/kv";
import { describe, test } from "vitest";
import { denoKvLimitCases } from "../contract/deno_kv_limit_cases.ts";

describe("DenoKvStateStore (@deno/kv) at Deno KV's limits", () => {
  for (const c of denoKvLimitCases(() => openKv(":memory:"))) test(c.name, () => c.run(), 60_000);
});
