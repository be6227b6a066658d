// The shared scenarios (test/scenarios/all.ts) on Node.
import { describe, it } from "vitest";
import { registerScenarios } from "../runtime/_register_scenarios.ts";

registerScenarios({ describe, it });
