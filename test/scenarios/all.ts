/**
 * The registry of shared scenarios that every runtime runs (Node, Chromium, workerd, Deno, Bun).
 *
 * Each `test/scenarios/<topic>.scenarios.ts` file is imported here and listed in `groups` as
 * `{ group: "<topic>", scenarios: <import> }`. The runtime entry points
 * (test/node/scenarios.test.ts, test/runtime/{browser,workerd,deno,bun}/) import only this file,
 * so a scenario file that is not listed here runs nowhere.
 */
import type { ScenarioGroup } from "./_scenario.ts";
import combiners from "./combiners.scenarios.ts";
import errors from "./errors.scenarios.ts";
import beam from "./beam.scenarios.ts";
import beamRules from "./beam_rules.scenarios.ts";
import checkpoint from "./checkpoint.scenarios.ts";
import io from "./io.scenarios.ts";
import mapAsync from "./map_async.scenarios.ts";
import transforms from "./transforms.scenarios.ts";
import triggers from "./triggers.scenarios.ts";
import windowing from "./windowing.scenarios.ts";

export const groups: ScenarioGroup[] = [
  { group: "windowing", scenarios: windowing },
  { group: "triggers", scenarios: triggers },
  { group: "beam-rules", scenarios: beamRules },
  { group: "beam", scenarios: beam },
  { group: "io", scenarios: io },
  { group: "combiners", scenarios: combiners },
  { group: "checkpoint", scenarios: checkpoint },
  { group: "transforms", scenarios: transforms },
  { group: "map-async", scenarios: mapAsync },
  { group: "errors", scenarios: errors },
];
