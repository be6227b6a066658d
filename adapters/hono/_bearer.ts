// Bearer-token check in constant time: both sides are hashed (SHA-256) first, so the comparison
// takes the same time whatever the length or the first differing byte of the presented token.
const encoder = new TextEncoder();

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(s)));
}

/** Checks `Authorization` headers against one secret token. */
export class BearerCheck {
  readonly #expected: Promise<Uint8Array>;

  constructor(token: string) {
    this.#expected = digest(token);
  }

  /** `undefined` when `header` carries the token, otherwise why not. */
  async problem(header: string | undefined): Promise<string | undefined> {
    const m = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const presented = await digest(m === null ? "" : m[1]!);
    const expected = await this.#expected;
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ presented[i]!;
    if (m === null) {
      return header === undefined
        ? "Missing bearer token: send Authorization: Bearer <token>"
        : "Malformed Authorization header: expected Bearer <token>";
    }
    return diff === 0 ? undefined : "Invalid bearer token";
  }
}
