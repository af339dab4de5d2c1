// Sign a party's log entry in this browser with the party's own Ed25519 key file
// (``armsctl keys generate USA`` -> USA.key), so that the log holds the party's signature, not
// the operator's. The key file is read here and never sent: only the signed entry is.
//
// Two kinds of forms are signed. An acknowledgement names its whole entry body in
// ``data-sign-body``. The forms for what a party authors (``data-sign-form``: aggregate figures,
// a notification, an inspection request, the arrival time, receiving the team, the findings)
// build the body from their fields as the server rebuilds it (armsctl.service.entries). For
// confidential content (all but the figures, which the treaty exchanges) the page draws a fresh
// 32-byte salt, puts the salted commitment SHA-256(salt || content) in the entry and sends the
// content with its salt, so that the public log never carries the content itself.
//
// The bytes are exactly those armsctl.ledger.envelope.seal_entry builds and the server verifies:
//   unsigned = {body, key, kind, party, time, treaty}          (key: the C2SP verifier string)
//   sig      = Ed25519(seed, "armsctl/entry/v1\n" || RFC 8785(unsigned))
//   entry    = RFC 8785({...unsigned, sig: base64(sig)}),  sent as base64(entry) in signed_entry
// Ed25519 and SHA-256 are the vendored @noble/curves and @noble/hashes
// (static/vendor/noble-sealing.mjs, MIT, licence beside it).
import { b64, canonical, concat, fromB64, hex } from "./encoding.mjs";
import { ed25519, sha256 } from "./vendor/noble-sealing.mjs";

const enc = new TextEncoder();
const ENTRY_DOMAIN = enc.encode("armsctl/entry/v1\n");

/** ``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`` -> {name, seed, verifier}. */
export function parseSigner(text) {
  // The key's base64 may itself hold "+": only the first four separators split fields.
  const all = String(text).trim().split("+");
  const parts = [...all.slice(0, 4), all.slice(4).join("+")];
  if (all.length < 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
    throw new Error("this is not a signing key file (PRIVATE+KEY+...): pick NAME.key");
  }
  const raw = fromB64(parts[4], "the signing key file");
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

/** Hex SHA-256(salt || bytes): a salted commitment, as entries.content_commitment has it. */
export function saltedCommitment(salt, bytes) {
  return hex(sha256(concat(salt, bytes)));
}

/** The commitment to a JSON value: SHA-256(salt || RFC 8785(value)). */
export function contentCommitment(salt, value) {
  return saltedCommitment(salt, enc.encode(canonical(value)));
}

function freshSalt() {
  return crypto.getRandomValues(new Uint8Array(32));
}

function field(form, name) {
  const input = form.elements.namedItem(name);
  return input && typeof input.value === "string" ? input.value.trim() : "";
}

function checked(form, name) {
  const input = form.elements.namedItem(name);
  return Boolean(input && input.checked);
}

function parseJson(text, what, isList) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not JSON: ${err.message}`);
  }
  const ok = isList
    ? Array.isArray(value) && value.every((v) => v && typeof v === "object" && !Array.isArray(v))
    : value && typeof value === "object" && !Array.isArray(value);
  if (!ok) throw new Error(`${what} must be ${isList ? "a JSON list of objects" : "a JSON object"}`);
  return value;
}

/** "YYYY-MM-DDTHH:MM[:SS]" in UTC -> "YYYY-MM-DDTHH:MM:SS+00:00", the text the server commits. */
export function utcText(text) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2})?$/.exec(text);
  if (!m) throw new Error("give the arrival as a date and time (UTC)");
  return `${m[1]}${m[2] || ":00"}+00:00`;
}

// Each builder: the form -> {kind, body, fields}: the entry's kind and body (as the server
// rebuilds it from the request) and the request fields to send with it (content and salts).
const BUILDERS = {
  "declaration-aggregate"(form) {
    const asOf = field(form, "as_of");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error("give the date the figures are as of");
    const status = field(form, "status") || "provided";
    const figures = {};
    for (const input of form.querySelectorAll("input[data-measure]")) {
      const text = input.value.trim();
      if (!text) continue;
      if (!/^\d+$/.test(text)) throw new Error(`${input.dataset.measure} must be a whole number`);
      figures[input.dataset.measure] = Number(text);
    }
    return {
      kind: "declaration-aggregate",
      body: { as_of: asOf, kind: "aggregate", status, figures, commitment: null },
      fields: {},
    };
  },
  notification(form) {
    const text = field(form, "body");
    const message = text ? parseJson(text, "The body", false) : {};
    const event = field(form, "event_time");
    if (event) message.event_time = event;
    const salt = freshSalt();
    const recipient = field(form, "recipient") || null;
    return {
      kind: "notification",
      body: { kind: field(form, "kind"), recipient, body_commitment: contentCommitment(salt, message) },
      fields: { body: JSON.stringify(message), event_time: "", body_salt: hex(salt) },
    };
  },
  "inspection-requested"(form) {
    const site = field(form, "site");
    if (!site) throw new Error("name the site to inspect");
    const year = field(form, "year") || String(new Date().getUTCFullYear());
    const salt = freshSalt();
    return {
      kind: "inspection-requested",
      body: {
        inspected: field(form, "inspected_party"),
        type: field(form, "type"),
        year: Number(year),
        site_commitment: saltedCommitment(salt, enc.encode(site)),
      },
      fields: { site, year, site_salt: hex(salt) },
    };
  },
  "inspection-notified"(form) {
    const arrival = utcText(field(form, "arrival"));
    return inspectionStep(form, "inspection-notified", "notified", { arrival: [arrival, arrival] });
  },
  "inspection-started"(form) {
    return inspectionStep(form, "inspection-started", "in-progress");
  },
  "inspection-reported"(form) {
    const findings = parseJson(field(form, "findings") || "[]", "The findings", true);
    return inspectionStep(form, "inspection-reported", "reported", {
      findings: [findings, JSON.stringify(findings)],
    });
  },
};

// An inspection step's entry, as the server rebuilds it: the inspection and its new state, and
// for each confidential part ``name: [value, sent]`` the salted commitment to ``value`` in the
// body (``<name>_commitment``), ``sent`` and its salt (``<name>_salt``) in the request.
function inspectionStep(form, kind, state, secret = {}) {
  const body = { inspection: Number(form.dataset.signInspection), state };
  const fields = {};
  for (const [name, [value, sent]] of Object.entries(secret)) {
    const salt = freshSalt();
    body[`${name}_commitment`] = contentCommitment(salt, value);
    fields[name] = sent;
    fields[`${name}_salt`] = hex(salt);
  }
  return { kind, body, fields };
}

/** The signed request fields of an authoring form: ``{...fields, signed_entry}``. */
export function signForm(signer, form, party, time = entryTime()) {
  const builder = BUILDERS[form.dataset.signForm];
  if (!builder) throw new Error(`no signing rule for ${form.dataset.signForm}`);
  const built = builder(form);
  const body = checked(form, "recording_history") ? { ...built.body, recording_history: true } : built.body;
  const entry = signEntry(signer, { kind: built.kind, treaty: form.dataset.signTreaty, party, body }, time);
  return { ...built.fields, signed_entry: entry };
}

function showProblem(form, message) {
  const target = document.querySelector(form.dataset.result || "");
  if (!target) return;
  const box = document.createElement("div");
  box.className = "notice error signed-errors";
  box.setAttribute("role", "alert");
  box.dataset.status = "0";
  const p = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = "Not sent:";
  p.append(strong, ` ${message}. Nothing was sent.`);
  box.append(p);
  target.replaceChildren(box);
}

let signer = null;

function wire() {
  const picker = document.querySelector("[data-signing-key]");
  // Authoring forms show every refusal of the server beside the form (htmx leaves 4xx
  // answers unswapped by default; the server answers with the result fragment and its status).
  document.addEventListener("htmx:beforeSwap", (event) => {
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    const form = elt && elt.closest ? elt.closest("form") : null;
    const status = event.detail.xhr.status;
    if (form && form.dataset.signForm && status >= 400 && status < 500 && status !== 401) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  if (!picker) return;
  const input = picker.querySelector("input[type=file]");
  const status = picker.querySelector("[role=status]");
  input.addEventListener("change", async () => {
    signer = null;
    try {
      signer = parseSigner(await input.files[0].text());
      status.textContent = `Signing as ${signer.name}: what you submit on this page is signed in this browser; the key file stays here.`;
      status.classList.remove("error");
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error");
    }
  });
  const sign = (form) => {
    if (!signer) return null;
    if (form.dataset.signForm) return signForm(signer, form, form.dataset.signParty || picker.dataset.party);
    if (!form.dataset.signKind) return null;
    const signed_entry = signEntry(signer, {
      kind: form.dataset.signKind,
      treaty: form.dataset.signTreaty,
      party: picker.dataset.party,
      body: JSON.parse(form.dataset.signBody),
    });
    return { signed_entry };
  };
  // htmx submissions: add the signature (and the salted content) to the request's parameters.
  document.body.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (!form) return;
    let signed = null;
    try {
      signed = sign(form);
    } catch (err) {
      event.preventDefault();
      showProblem(form, err.message);
      return;
    }
    if (signed) for (const [name, value] of Object.entries(signed)) event.detail.parameters[name] = value;
  });
  // Plain submissions (no htmx): fill the hidden field.
  document.addEventListener("submit", (event) => {
    const field = event.target.querySelector("input[name=signed_entry]");
    if (event.target.dataset.signForm) return; // authoring forms are sent by htmx only
    const signed = sign(event.target);
    if (field && signed) field.value = signed.signed_entry;
  }, true);
}

if (typeof document !== "undefined") wire();
