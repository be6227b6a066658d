// The shared scenarios (test/scenarios/all.ts) in Chromium, through vitest's browser mode.
import { describe, it } from "vitest";
import { registerScenarios } from "../_register_scenarios.ts";

registerScenarios({ describe, it });
