// The shared scenarios (test/scenarios/all.ts) on Bun, through bun:test.
import { describe, it } from "bun:test";
import { registerScenarios } from "../_register_scenarios.ts";

registerScenarios({ describe, it });
