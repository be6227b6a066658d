// How error messages show the element they are about: its JSON (or String), cut to 200 characters.

export function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}
