// Sign a party's log entry in this browser with the party's own Ed25519 key file
// (``armsctl keys generate USA`` -> USA.key), so that the log holds the party's signature, not
// the operator's. The key file is read here and never sent: only the signed entry is.
//
// The bytes are exactly those armsctl.ledger.envelope.seal_entry builds and the server verifies:
//   unsigned = {body, key, kind, party, time, treaty}          (key: the C2SP verifier string)
//   sig      = Ed25519(seed, "armsctl/entry/v1\n" || RFC 8785(unsigned))
//   entry    = RFC 8785({...unsigned, sig: base64(sig)}),  sent as base64(entry) in signed_entry
// Ed25519 and SHA-256 are the vendored @noble/curves and @noble/hashes
// (static/vendor/noble-sealing.mjs, MIT, licence beside it).
import { ed25519, sha256 } from "./vendor/noble-sealing.mjs";
import { canonical } from "./sealed-open.mjs";

const enc = new TextEncoder();
const ENTRY_DOMAIN = enc.encode("armsctl/entry/v1\n");

function b64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** ``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`` -> {name, seed, verifier}. */
export function parseSigner(text) {
  // The key's base64 may itself hold "+": only the first four separators split fields.
  const all = String(text).trim().split("+");
  const parts = [...all.slice(0, 4), all.slice(4).join("+")];
  if (all.length < 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
    throw new Error("this is not a signing key file (PRIVATE+KEY+...): pick NAME.key");
  }
  let raw;
  try {
    raw = Uint8Array.from(atob(parts[4]), (c) => c.charCodeAt(0));
  } catch {
    throw new Error("the signing key file is not valid base64");
  }
  if (raw.length !== 33 || raw[0] !== 0x01) throw new Error("not a plain Ed25519 signing key");
  const name = parts[2];
  const seed = raw.slice(1);
  const pub = ed25519.getPublicKey(seed);
  const typed = new Uint8Array(33);
  typed[0] = 0x01;
  typed.set(pub, 1);
  const id = sha256(new Uint8Array([...enc.encode(name + "\n"), ...typed])).slice(0, 4);
  if (hex(id) !== parts[3].toLowerCase()) throw new Error("the signing key file's id does not match its key");
  return { name, seed, verifier: `${name}+${hex(id)}+${b64(typed)}` };
}

/** RFC 3339 UTC to the second, as the server formats a time without a fraction. */
export function entryTime(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** base64 of the signed entry, the ``signed_entry`` field of a request. */
export function signEntry(signer, { kind, treaty, party, body }, time = entryTime()) {
  const unsigned = { body, key: signer.verifier, kind, party, time, treaty };
  const message = new Uint8Array([...ENTRY_DOMAIN, ...enc.encode(canonical(unsigned))]);
  const sig = ed25519.sign(message, signer.seed);
  return b64(enc.encode(canonical({ ...unsigned, sig: b64(sig) })));
}

let signer = null;

function wire() {
  const picker = document.querySelector("[data-signing-key]");
  if (!picker) return;
  const input = picker.querySelector("input[type=file]");
  const status = picker.querySelector("[role=status]");
  input.addEventListener("change", async () => {
    signer = null;
    try {
      signer = parseSigner(await input.files[0].text());
      status.textContent = `Signing as ${signer.name}: acknowledgements are signed in this browser; the key file stays here.`;
      status.classList.remove("error");
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error");
    }
  });
  const sign = (form) => {
    if (!signer || !form.dataset.signKind) return null;
    return signEntry(signer, {
      kind: form.dataset.signKind,
      treaty: form.dataset.signTreaty,
      party: picker.dataset.party,
      body: JSON.parse(form.dataset.signBody),
    });
  };
  // htmx submissions: add the signature to the request's parameters.
  document.body.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    const signed = form ? sign(form) : null;
    if (signed) event.detail.parameters.signed_entry = signed;
  });
  // Plain submissions (no htmx): fill the hidden field.
  document.addEventListener("submit", (event) => {
    const field = event.target.querySelector("input[name=signed_entry]");
    const signed = sign(event.target);
    if (field && signed) field.value = signed;
  }, true);
}

if (typeof document !== "undefined") wire();
