// The encodings the browser modules share: RFC 8785 (JCS) JSON, as armsctl.ledger.envelope's
// canonical() writes it, base64, hex and byte concatenation. One copy, so that the bytes a page
// signs (sign-entry.mjs) and the context it opens sealed records under (sealed-open.mjs) are
// built by the same rules.

/** RFC 8785 (JCS): JSON.stringify's forms with keys sorted by UTF-16 code units. */
export function canonical(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("not JSON");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  const keys = Object.keys(value).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
}

/** The byte arrays one after the other, as one array. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Standard base64 of bytes. */
export function b64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The bytes of standard base64 text, or an error naming ``what`` is not base64. */
export function fromB64(text, what) {
  let raw;
  try {
    raw = atob(String(text));
  } catch {
    throw new Error(`${what} is not valid base64`);
  }
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Lower-case hex of bytes. */
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
