// armsctl zero-knowledge range proofs, checked in the reader's browser (experimental, not yet
// independently reviewed). The same checks as armsctl.zk.range.verify, byte for byte: see
// docs/zk.md. Uses the vendored @noble/curves ristretto255 and @noble/hashes SHA-512.
//
// verifyProof(doc, expected) -> { verified, failed, checks: [{ name, ok, detail }] }
// parseProof(doc) throws Error("<field>: <what is wrong>") on a malformed document.
import { ristretto255, ristretto255_hasher, sha512 } from "./vendor/noble-ristretto255.mjs";

export const PROOF_FORMAT = "armsctl-zk-range/1";
const DOMAIN = "armsctl/zk/range/v1";
const H_LABEL = "armsctl/zk/v1/pedersen-generator-H";
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const MAX_BITS = 64;
const MAX_SITES = 10000;
const CONTEXT_KEYS = ["treaty", "limit", "maximum", "as_of", "party", "bits"];
const BIT_FIELDS = ["commitment", "a0", "a1", "c0", "s0", "s1"];
const BIT_POINTS = new Set(["commitment", "a0", "a1"]);
const enc = new TextEncoder();
const Point = ristretto255.Point;

export const GENERATOR_H = ristretto255_hasher.deriveToCurve(sha512(enc.encode(H_LABEL)));

function fail(where, message) {
  throw new Error(`${where}: ${message}`);
}
function object(data, where, keys) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) fail(where, "expected an object");
  const missing = keys.filter((k) => !(k in data));
  if (missing.length) fail(where, "missing " + missing.join(", "));
  const extra = Object.keys(data).filter((k) => !keys.includes(k)).sort();
  if (extra.length) fail(where, "unknown field " + extra.join(", "));
  return data;
}
function text(v, where) {
  // Characters are code points, as in Python; a lone surrogate has no UTF-8 form.
  if (typeof v !== "string" || v.length === 0 || [...v].length > 200) fail(where, "expected a non-empty string of at most 200 characters");
  if (!v.isWellFormed()) fail(where, "not valid Unicode (a lone surrogate)");
  return v;
}
function integer(v, where, low, high) {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(where, "expected an integer");
  if (v < low || v > high) fail(where, `must be ${low} to ${high}, got ${v}`);
  return v;
}
function list(v, where, most) {
  if (!Array.isArray(v) || v.length < 1 || v.length > most) fail(where, `expected a list of 1 to ${most} entries`);
  return v;
}
function hexBytes(v, where) {
  if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) fail(where, "expected 64 lowercase hex digits (32 bytes)");
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function leInt(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}
function point(v, where) {
  const raw = hexBytes(v, where);
  try {
    return { raw, p: Point.fromBytes(raw) };
  } catch {
    fail(where, "not a canonical ristretto255 point encoding");
  }
}
function scalar(v, where) {
  const n = leInt(hexBytes(v, where));
  if (n >= ORDER) fail(where, "the scalar is not reduced below the group order");
  return n;
}

// A real calendar date in the one spelling YYYY-MM-DD (2023-02-30 and 20230901 are refused).
function isoDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0-99 as 1900-1999
  return y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

export function parseContext(data, where = "context") {
  const obj = object(data, where, CONTEXT_KEYS);
  for (const k of ["treaty", "limit", "as_of", "party"]) text(obj[k], `${where}.${k}`);
  if (!isoDate(obj.as_of)) fail(`${where}.as_of`, "not an ISO date (YYYY-MM-DD)");
  // Numbers past 2^53 cannot be read exactly from JSON in a browser: refuse them.
  integer(obj.maximum, `${where}.maximum`, 0, Number.MAX_SAFE_INTEGER);
  integer(obj.bits, `${where}.bits`, 1, MAX_BITS);
  if (BigInt(obj.maximum) >= 2n ** BigInt(obj.bits)) fail(`${where}.bits`, `the maximum ${obj.maximum} needs a wider range`);
  return { ...obj };
}

export function parseProof(doc, where = "proof") {
  const obj = object(doc, where, ["format", "context", "sites", "bits"]);
  if (obj.format !== PROOF_FORMAT) fail(`${where}.format`, `expected '${PROOF_FORMAT}', got ${JSON.stringify(obj.format)}`);
  const context = parseContext(obj.context, `${where}.context`);
  const seen = new Set();
  const sites = list(obj.sites, `${where}.sites`, MAX_SITES).map((row, i) => {
    const at = `${where}.sites[${i}]`;
    const item = object(row, at, ["label", "commitment"]);
    const label = text(item.label, `${at}.label`);
    if (seen.has(label)) fail(`${where}.sites[${i}].label`, `'${label}' repeats`);
    seen.add(label);
    return { label, ...point(item.commitment, `${at}.commitment`) };
  });
  const bits = list(obj.bits, `${where}.bits`, MAX_BITS).map((row, j) => {
    const at = `${where}.bits[${j}]`;
    const item = object(row, at, BIT_FIELDS);
    const out = {};
    for (const name of BIT_FIELDS) {
      out[name] = BIT_POINTS.has(name) ? point(item[name], `${at}.${name}`) : scalar(item[name], `${at}.${name}`);
    }
    return out;
  });
  return { context, sites, bits };
}

function frame(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}
function u64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

function challenge(ctx, sites, derived, bits) {
  const h = sha512.create();
  const add = (label, bytes) => { h.update(frame(enc.encode(label))); h.update(frame(bytes)); };
  add("domain", enc.encode(DOMAIN));
  add("treaty", enc.encode(ctx.treaty));
  add("limit", enc.encode(ctx.limit));
  add("maximum", u64(ctx.maximum));
  add("as-of", enc.encode(ctx.as_of));
  add("party", enc.encode(ctx.party));
  add("bits", u64(ctx.bits));
  add("sites", u64(sites.length));
  for (const s of sites) { add("site-label", enc.encode(s.label)); add("site-commitment", s.raw); }
  add("derived", derived.toBytes());
  for (const b of bits) add("bit-commitment", b.commitment.raw);
  for (const b of bits) { add("a0", b.a0.raw); add("a1", b.a1.raw); }
  return leInt(h.digest()) % ORDER;
}

const mul = (p, k) => p.multiplyUnsafe(k); // public values only: no secret is handled here

export function derivedCommitment(maximum, sites) {
  let total = Point.ZERO;
  for (const s of sites) total = total.add(s.p);
  return mul(Point.BASE, BigInt(maximum)).subtract(total);
}

// Check a parsed proof against the context the reader expects (never the proof's own claim).
export function verifyParsed(proof, expected) {
  const checks = [];
  const differ = CONTEXT_KEYS.filter((k) => proof.context[k] !== expected[k])
    .map((k) => `${k} is ${JSON.stringify(proof.context[k])}, expected ${JSON.stringify(expected[k])}`);
  checks.push({ name: "context", ok: differ.length === 0, detail: differ.length ? differ.join("; ") : "treaty, limit, maximum, date, party and bits match" });
  const shapeOk = proof.bits.length === expected.bits && proof.sites.length >= 1;
  checks.push({ name: "shape", ok: shapeOk, detail: `${proof.sites.length} site commitments, ${proof.bits.length} bit proofs` + (shapeOk ? "" : ` (expected ${expected.bits} bit proofs)`) });
  if (!shapeOk) {
    checks.push({ name: "bit-sum", ok: false, detail: "not checked: the proof has the wrong shape" });
    checks.push({ name: "bit-proofs", ok: false, detail: "not checked: the proof has the wrong shape" });
    return result(checks);
  }
  const derived = derivedCommitment(expected.maximum, proof.sites);
  let weighted = Point.ZERO;
  for (let j = proof.bits.length - 1; j >= 0; j--) weighted = weighted.double().add(proof.bits[j].commitment.p);
  const sumOk = weighted.equals(derived);
  checks.push({ name: "bit-sum", ok: sumOk, detail: sumOk ? "Σ 2^j·B_j equals D = maximum·G − ΣC_i" : "the bit commitments do not add up to the headroom commitment D" });
  const c = challenge(expected, proof.sites, derived, proof.bits);
  let bad = null;
  for (let j = 0; j < proof.bits.length && bad === null; j++) {
    const b = proof.bits[j];
    const c1 = (c - b.c0 + ORDER) % ORDER;
    const ok0 = mul(GENERATOR_H, b.s0).equals(b.a0.p.add(mul(b.commitment.p, b.c0)));
    const ok1 = mul(GENERATOR_H, b.s1).equals(b.a1.p.add(mul(b.commitment.p.subtract(Point.BASE), c1)));
    if (!ok0 || !ok1) bad = j;
  }
  checks.push({ name: "bit-proofs", ok: bad === null, detail: bad === null ? `all ${proof.bits.length} OR-proofs hold under the transcript challenge` : `the OR-proof of bit ${bad} does not hold under the transcript challenge` });
  return result(checks);
}

function result(checks) {
  const failed = checks.find((c) => !c.ok);
  return { verified: !failed, failed: failed ? failed.name : null, checks };
}

// Parse then verify; a malformed document gives { verified: false, failed: "malformed", error }.
export function verifyProof(doc, expected) {
  let proof;
  try {
    proof = parseProof(doc);
  } catch (e) {
    return { verified: false, failed: "malformed", error: String(e.message || e), checks: [] };
  }
  return verifyParsed(proof, parseContext(expected, "expected"));
}

// The portal: each button[data-zk-proof] fetches its proof and checks it against the context
// written on the button by the page (the treaty's own maximum), then shows each check.
function attach() {
  for (const button of document.querySelectorAll("button[data-zk-proof]")) {
    button.addEventListener("click", async () => {
      const out = document.getElementById(button.dataset.zkOutput);
      out.replaceChildren();
      const line = (textContent, cls) => { const li = document.createElement("li"); li.textContent = textContent; if (cls) li.className = cls; out.append(li); };
      button.disabled = true;
      try {
        const expected = JSON.parse(button.dataset.zkExpected);
        const response = await fetch(button.dataset.zkProof, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`fetching the proof: HTTP ${response.status}`);
        const body = await response.json();
        if (button.dataset.zkTamper) {
          // One hex digit of one response scalar changed: a well-formed proof that must fail.
          const s0 = body.proof.bits[0].s0;
          body.proof.bits[0].s0 = (s0[0] === "0" ? "1" : "0") + s0.slice(1);
          line("Tampered copy: one digit of bits[0].s0 changed before checking");
        }
        const started = performance.now();
        const r = verifyProof(body.proof, expected);
        const ms = performance.now() - started;
        if (r.failed === "malformed") line("Malformed proof: " + r.error, "bad");
        for (const c of r.checks) line(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`, c.ok ? "ok" : "bad");
        line(r.verified ? `Proven: the committed total is within ${Number(expected.maximum).toLocaleString("en-US")} (checked in your browser in ${ms.toFixed(0)} ms)` : `NOT proven: ${r.failed} failed`, r.verified ? "ok verdict" : "bad verdict");
        out.dataset.result = r.verified ? "proven" : "failed";
      } catch (e) {
        line("Could not check: " + (e.message || e), "bad verdict");
        out.dataset.result = "error";
      } finally {
        button.disabled = false;
      }
    });
  }
}
if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attach);
  else attach();
}
