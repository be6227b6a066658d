// vitest 5 declares Node >= 22 and its main process (reporters, snapshot manager, watcher)
// calls Map.groupBy, Object.groupBy and Promise.withResolvers, which Node 20 lacks: without
// them a failing test crashes the reporter and its error is never printed. The vitest configs
// import this module, so it runs in vitest's main process only; the processes that run the
// tests do not load the config, so code under test still sees plain Node 20.

function group<T, K>(items: Iterable<T>, keyOf: (item: T, index: number) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  let index = 0;
  for (const item of items) {
    const key = keyOf(item, index++);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

type Compat = {
  Map: { groupBy?: unknown };
  Object: { groupBy?: unknown };
  Promise: { withResolvers?: unknown };
};
const g = globalThis as unknown as Compat;

if (typeof g.Map.groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", { value: group, writable: true, configurable: true });
}
if (typeof g.Object.groupBy !== "function") {
  Object.defineProperty(Object, "groupBy", {
    value: <T>(items: Iterable<T>, keyOf: (item: T, index: number) => PropertyKey) =>
      Object.assign(Object.create(null), Object.fromEntries(group(items, keyOf))),
    writable: true,
    configurable: true,
  });
}
if (typeof g.Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
    writable: true,
    configurable: true,
  });
}
