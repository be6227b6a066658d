// Turns the shared scenario registry into tests for any runner with a describe/it API
// (vitest under Node, Chromium and workerd; bun:test under Bun).
import { groups } from "../scenarios/all.ts";
import { registryProblems } from "./_registry.ts";

/** The part of vitest's and bun:test's API that the scenario runners use. */
export interface DescribeIt {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => void | Promise<void>): unknown;
}

/** Registers one test per scenario, grouped by topic, plus a check of the registry itself. */
export function registerScenarios({ describe, it }: DescribeIt): void {
  it("the scenario registry names every group and scenario once", () => {
    const problems = registryProblems(groups);
    if (problems.length > 0) throw new Error(`test/scenarios/all.ts is inconsistent:\n  ${problems.join("\n  ")}`);
  });
  for (const { group, scenarios } of groups) {
    describe(group, () => {
      for (const scenario of scenarios) it(scenario.name, () => scenario.run());
    });
  }
}
