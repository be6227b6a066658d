// Checks the scenario registry itself, so every runtime fails loudly on a registry that would
// make its runner skip or conflate scenarios (an empty group, or two entries with one name).
import type { ScenarioGroup } from "../scenarios/_scenario.ts";

/** Returns one line per problem in `groups`; an empty list means the registry is usable. */
export function registryProblems(groups: readonly ScenarioGroup[]): string[] {
  const problems: string[] = [];
  const groupNames = new Set<string>();
  for (const { group, scenarios } of groups) {
    if (groupNames.has(group)) problems.push(`group "${group}" is listed twice`);
    groupNames.add(group);
    if (scenarios.length === 0) problems.push(`group "${group}" has no scenarios`);
    const names = new Set<string>();
    for (const s of scenarios) {
      if (names.has(s.name)) problems.push(`group "${group}" has two scenarios named "${s.name}"`);
      names.add(s.name);
    }
  }
  return problems;
}
