// The shared scenarios (test/scenarios/all.ts) inside workerd, through @cloudflare/vitest-plugin.
import { describe, it } from "vitest";
import { registerScenarios } from "../_register_scenarios.ts";

registerScenarios({ describe, it });
