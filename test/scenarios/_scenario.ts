/**
 * A behavioural scenario that every runtime runs (Node, Deno, Chromium, workerd, Bun).
 * Scenario files export `default` as `Scenario[]` and are listed in `all.ts`; each runtime's
 * entry point turns them into that runtime's tests.
 */
export interface Scenario {
  name: string;
  run(): void | Promise<void>;
}

export interface ScenarioGroup {
  group: string;
  scenarios: Scenario[];
}
