// The shared scenarios (test/scenarios/all.ts) on Deno: one Deno.test per scenario, so Deno's
// resource and timer sanitizers check each scenario on its own.
import { groups } from "../../scenarios/all.ts";
import { registryProblems } from "../_registry.ts";

Deno.test("the scenario registry names every group and scenario once", () => {
  const problems = registryProblems(groups);
  if (problems.length > 0) throw new Error(`test/scenarios/all.ts is inconsistent:\n  ${problems.join("\n  ")}`);
});

for (const { group, scenarios } of groups) {
  for (const scenario of scenarios) {
    Deno.test(`${group} › ${scenario.name}`, () => scenario.run());
  }
}
