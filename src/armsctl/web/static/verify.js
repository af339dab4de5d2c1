// armsctl proof checks, run in the reader's browser so that nobody has to trust the server.
//
// A proof bundle (armsctl/proof-bundle/v1, see docs/ledger.md) holds an entry, its RFC 9162
// inclusion proof and the signed checkpoint (a C2SP signed note, cosignature lines included).
// It carries no key: the verifier checks it against a trust policy the reader pins (the log's
// signed-note key, witnesses' cosignature/v1 keys and a quorum), never against a key that
// arrives with the response. The page offers its policy; the first one used is remembered in
// localStorage (trust on first use) and a different one offered later raises a loud warning.
// The reader can replace the policy with keys obtained out of band (the trust.toml format).
//
// Hashes: WebCrypto SHA-256 (leaf = H(0x00 || entry), node = H(0x01 || left || right)).
// Signatures: WebCrypto Ed25519; a cosignature (type 0x04) signs
// "cosignature/v1\ntime <t>\n" || text. Sizes and indices are BigInt so that bit operations
// stay exact past 2^31. WebCrypto needs a secure context (HTTPS, or localhost).
//
// The core (everything up to the DOM part) runs unchanged under Node for the tests; the
// same known-answer vectors drive it and the Python verifier (tests/ledger/vectors).
"use strict";
(function (root) {
  const enc = new TextEncoder();
  const BUNDLE_TYPE = "armsctl/proof-bundle/v1";
  const LEGACY_TYPE = "armsctl/inclusion-proof/v1";
  const MAX_HASHES = 64;
  const MAX_SIZE = BigInt(Number.MAX_SAFE_INTEGER);
  const EM_DASH = "\u2014";

  // A document that is not a bundle (or a policy that is not a policy).
  class MalformedError extends Error { constructor(m) { super(m); this.name = "MalformedError"; } }
  // A well-formed bundle that does not verify.
  class VerifyError extends Error { constructor(m) { super(m); this.name = "VerifyError"; } }

  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  function b64encode(bytes) {
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  }
  function b64decode(text, what) {
    if (typeof text !== "string" || !B64.test(text)) throw new MalformedError(`${what} is not valid base64`);
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    if (b64encode(out) !== text) throw new MalformedError(`${what} is not canonical base64`);
    return out;
  }
  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function concat(...parts) {
    const n = parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
  const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));
  const quiet = () => {};

  // -- keys and trust policies ------------------------------------------------------------

  async function keyId(name, alg, pub) {
    return (await sha256(concat(enc.encode(name + "\n"), new Uint8Array([alg]), pub))).slice(0, 4);
  }

  async function parseKey(keyText, what) {
    if (typeof keyText !== "string") throw new MalformedError(`${what} must be a key string`);
    const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+(\S+)$/.exec(keyText.trim());
    if (!m) throw new MalformedError(`${what} is not <name>+<hex id>+<base64 key>`);
    const raw = b64decode(m[3], `${what}'s key material`);
    if (raw.length !== 33 || (raw[0] !== 1 && raw[0] !== 4)) throw new MalformedError(`${what} is not an Ed25519 key of type 0x01 or 0x04`);
    const id = await keyId(m[1], raw[0], raw.slice(1));
    if (hex(id) !== m[2].toLowerCase()) throw new MalformedError(`${what}: key id ${m[2]} does not match the key`);
    return { name: m[1], alg: raw[0], pub: raw.slice(1), id, text: keyText.trim() };
  }

  async function asCosigner(key) {
    if (key.alg === 4) return key;
    const id = await keyId(key.name, 4, key.pub);
    return { ...key, alg: 4, id, text: `${key.name}+${hex(id)}+${b64encode(concat(new Uint8Array([4]), key.pub))}` };
  }

  // A policy object {log_key, witnesses, quorum} (quorum defaults to every witness).
  async function parseTrust(doc) {
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new MalformedError("a trust policy is {log_key, witnesses, quorum}");
    const logKey = await parseKey(doc.log_key, "log_key");
    if (logKey.alg !== 1) throw new MalformedError("the log key must be a signed-note Ed25519 key (type 0x01)");
    const list = doc.witnesses === undefined ? [] : doc.witnesses;
    if (!Array.isArray(list)) throw new MalformedError("witnesses must be a list of cosignature key strings");
    const witnesses = [];
    for (let i = 0; i < list.length; i++) witnesses.push(await asCosigner(await parseKey(list[i], `witnesses[${i}]`)));
    if (new Set(witnesses.map((w) => w.name + "+" + hex(w.id))).size !== witnesses.length) throw new MalformedError("the trust policy names the same witness key twice");
    const quorum = doc.quorum === undefined ? witnesses.length : doc.quorum;
    if (!Number.isInteger(quorum)) throw new MalformedError("quorum must be a whole number");
    if (quorum < 0 || quorum > witnesses.length) throw new MalformedError(`quorum ${quorum} is not between 0 and the ${witnesses.length} witnesses`);
    return { logKey, witnesses, quorum };
  }

  // The trust.toml subset a policy needs: log_key = "…", witnesses = ["…", …], quorum = N.
  function parseTrustToml(text) {
    const doc = {};
    const src = String(text).replace(/#[^\n"]*$/gm, "");
    const re = /^\s*([a-z_]+)\s*=\s*("[^"\n]*"|\[[^\]]*\]|-?\d+)\s*$/gm;
    let consumed = src;
    let m;
    while ((m = re.exec(src)) !== null) {
      const [line, key, value] = m;
      if (!["log_key", "witnesses", "quorum"].includes(key)) throw new MalformedError(`${key} is not a trust policy key (log_key, witnesses, quorum)`);
      if (key in doc) throw new MalformedError(`${key} is given twice`);
      if (value.startsWith("[")) {
        const items = value.slice(1, -1).split(",").map((s) => s.trim()).filter((s) => s.length > 0);
        doc[key] = items.map((s) => {
          if (!/^"[^"]*"$/.test(s)) throw new MalformedError("witnesses must be a list of quoted key strings");
          return s.slice(1, -1);
        });
      } else if (value.startsWith("\"")) {
        doc[key] = value.slice(1, -1);
      } else {
        doc[key] = Number(value);
      }
      consumed = consumed.replace(line, "");
    }
    if (consumed.trim().length > 0) throw new MalformedError("the trust configuration has a line that is not log_key, witnesses or quorum");
    if (!("log_key" in doc)) throw new MalformedError("log_key is missing");
    return doc;
  }

  function trustToml(doc) {
    const ws = (doc.witnesses || []).map((w) => `"${w}"`).join(", ");
    const quorum = doc.quorum === undefined ? (doc.witnesses || []).length : doc.quorum;
    return `log_key = "${doc.log_key}"\nwitnesses = [${ws}]\nquorum = ${quorum}\n`;
  }

  // -- notes and checkpoints --------------------------------------------------------------

  function parseCheckpointText(text) {
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || lines.some((l) => l.length === 0)) throw new MalformedError("checkpoint needs origin, size and root on non-empty lines");
    if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new MalformedError(`checkpoint size ${JSON.stringify(lines[1])} is not a decimal number without leading zeros`);
    const root = b64decode(lines[2], "checkpoint root hash");
    if (root.length !== 32) throw new MalformedError("checkpoint root hash must be 32 bytes");
    return { origin: lines[0], size: BigInt(lines[1]), root };
  }

  function parseNote(note) {
    if (typeof note !== "string") throw new MalformedError("the checkpoint must be a signed note (a string)");
    for (const ch of note) if (ch < " " && ch !== "\n") throw new MalformedError("note contains a control character");
    if (!note.endsWith("\n")) throw new MalformedError("note is truncated: it does not end with a newline");
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0) throw new MalformedError("note has no blank line before its signatures");
    const text = note.slice(0, cut + 1);
    const lines = note.slice(cut + 2).split("\n").slice(0, -1);
    if (lines.length === 0) throw new MalformedError("note has no signatures");
    if (lines.length > 100) throw new MalformedError("note has more than 100 signatures");
    const sigs = lines.map((line) => {
      const m = /^\u2014 ([^+\s]+) (\S+)$/.exec(line);
      if (!m) throw new MalformedError("malformed signature line: " + line);
      const blob = b64decode(m[2], `signature by ${m[1]}`);
      if (blob.length < 5) throw new MalformedError(`signature by ${m[1]} is too short`);
      return { name: m[1], id: blob.slice(0, 4), sig: blob.slice(4) };
    });
    return { text, sigs, ...parseCheckpointText(text) };
  }

  async function ed25519(pub, sig, message) {
    const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message);
  }

  async function checkSignature(key, sig, text) {
    let message = enc.encode(text);
    let signature = sig.sig;
    if (key.alg === 4) {
      if (signature.length !== 72) return false;
      let t = 0n;
      for (const b of signature.slice(0, 8)) t = (t << 8n) | BigInt(b);
      if (t >= 1n << 63n) return false;
      message = concat(enc.encode(`cosignature/v1\ntime ${t}\n`), message);
      signature = signature.slice(8);
    } else if (signature.length !== 64) {
      return false;
    }
    return ed25519(key.pub, signature, message);
  }

  const label = (k) => `${k.name}+${hex(k.id)}`;

  // Check a signed checkpoint against a parsed policy; return it with its witnesses.
  async function verifyCheckpoint(note, trust, step = quiet) {
    const parsed = parseNote(note);
    const log = trust.logKey;
    step(`Pinned log key ${log.name}, key id ${hex(log.id)}; the note has ${parsed.sigs.length} signature line(s): ${parsed.sigs.map(label).join(", ")}`, true);
    if (!parsed.sigs.some((s) => s.name === log.name && equal(s.id, log.id))) {
      const message = `checkpoint is signed by an unknown key (${parsed.sigs.map(label).join(", ")}), not by the pinned log key ${label(log)}`;
      step(message, false);
      throw new VerifyError(message);
    }
    const known = [log, ...trust.witnesses];
    const seen = new Set();
    const cosigned = [];
    for (const sig of parsed.sigs) {
      const key = known.find((k) => k.name === sig.name && equal(k.id, sig.id));
      if (!key) continue;
      const tag = label(key);
      if (seen.has(tag)) throw new VerifyError(`checkpoint: note carries two signatures by ${sig.name}`);
      seen.add(tag);
      const ok = await checkSignature(key, sig, parsed.text);
      step(`${key === log ? "Ed25519 signature of the log" : "Cosignature of witness " + key.name} over the checkpoint text (WebCrypto)`, ok);
      if (!ok) throw new VerifyError(`checkpoint: signature by ${sig.name} does not verify`);
      if (key !== log) cosigned.push(key.name);
    }
    if (parsed.origin !== log.name) {
      step(`Checkpoint origin “${parsed.origin}” is not the log ${log.name}`, false);
      throw new VerifyError(`checkpoint origin ${JSON.stringify(parsed.origin)} is not the log ${JSON.stringify(log.name)}`);
    }
    cosigned.sort();
    const enough = cosigned.length >= trust.quorum;
    if (trust.quorum > 0 || trust.witnesses.length > 0) {
      step(`Witness cosignatures by the policy's witnesses: found ${cosigned.length} of ${trust.quorum} required`, enough);
    }
    if (!enough) throw new VerifyError(`checkpoint lacks its witness quorum: found ${cosigned.length} of ${trust.quorum} required cosignatures by the policy's witnesses`);
    return { checkpoint: parsed, witnesses: cosigned };
  }

  // -- bundles ----------------------------------------------------------------------------

  function size(value, what) {
    if (!Number.isInteger(value)) throw new MalformedError(`${what} must be a whole number`);
    if (value < 0 || BigInt(value) > MAX_SIZE) throw new MalformedError(`${what} must be between 0 and ${MAX_SIZE}`);
    return BigInt(value);
  }
  function hashes(value, what) {
    if (!Array.isArray(value)) throw new MalformedError(`${what} must be a list of base64 hashes`);
    if (value.length > MAX_HASHES) throw new MalformedError(`${what} has more than ${MAX_HASHES} hashes`);
    return value.map((h, i) => {
      const raw = b64decode(h, `${what}[${i}]`);
      if (raw.length !== 32) throw new MalformedError(`${what}[${i}] is not a 32-byte hash`);
      return raw;
    });
  }

  // Read a bundle (or an armsctl/inclusion-proof/v1 file) strictly; throws MalformedError.
  function parseBundle(doc) {
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new MalformedError("a proof bundle is a JSON object");
    let field;
    if (doc.type === BUNDLE_TYPE) field = "inclusion";
    else if (doc.type === LEGACY_TYPE) field = "proof";
    else throw new MalformedError(`type is ${JSON.stringify(doc.type)}, not ${BUNDLE_TYPE}`);
    for (const name of ["entry", "index", "size", field, "checkpoint"]) {
      if (!(name in doc) || doc[name] === null) throw new MalformedError(`${name} is missing`);
    }
    let consistency = null;
    if (doc.consistency !== undefined && doc.consistency !== null) {
      const c = doc.consistency;
      if (typeof c !== "object" || Array.isArray(c)) throw new MalformedError("consistency must be an object {old_size, proof}");
      for (const name of ["old_size", "proof"]) if (!(name in c)) throw new MalformedError(`consistency.${name} is missing`);
      consistency = { oldSize: size(c.old_size, "consistency.old_size"), proof: hashes(c.proof, "consistency.proof") };
    }
    parseNote(doc.checkpoint);
    return {
      entry: b64decode(doc.entry, "entry"),
      index: size(doc.index, "index"),
      size: size(doc.size, "size"),
      inclusion: hashes(doc[field], field),
      checkpoint: doc.checkpoint,
      consistency,
    };
  }

  // RFC 9162 section 2.1.3.2.
  async function rootFromInclusion(leaf, index, treeSize, proof, step) {
    let fn = index, sn = treeSize - 1n, r = leaf, i = 0;
    for (const p of proof) {
      i++;
      if (sn === 0n) { step("The proof is longer than the path", false); return null; }
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        step(`Step ${i}: SHA-256(0x01 ‖ sibling ${hex(p).slice(0, 16)}… ‖ ours) = ${hex(r)}`, true);
        if ((fn & 1n) === 0n) { while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; } }
      } else {
        r = await nodeHash(r, p);
        step(`Step ${i}: SHA-256(0x01 ‖ ours ‖ sibling ${hex(p).slice(0, 16)}…) = ${hex(r)}`, true);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n ? r : null;
  }

  // RFC 9162 section 2.1.4.2.
  async function consistent(m, n, oldRoot, newRoot, proof) {
    if (m > n) return false;
    if (m === n) return proof.length === 0 && equal(oldRoot, newRoot);
    if (m === 0n) return proof.length === 0;
    if (proof.length === 0) return false;
    const path = proof.slice();
    if ((m & (m - 1n)) === 0n) path.unshift(oldRoot);
    let fn = m - 1n, sn = n - 1n;
    while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await nodeHash(c, fr); sr = await nodeHash(c, sr);
        if ((fn & 1n) === 0n) { while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; } }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && equal(fr, oldRoot) && equal(sr, newRoot);
  }

  function fail(step, message) { step(message, false); throw new VerifyError(message); }

  // verify_bundle: the same rules and messages as armsctl.ledger.bundle.verify_bundle.
  // `trust` is a parsed policy (parseTrust); `previous` an older signed note the reader holds.
  async function verifyBundle(doc, trust, { previous = null, step = quiet } = {}) {
    const bundle = parseBundle(doc);
    const { checkpoint: head, witnesses } = await verifyCheckpoint(bundle.checkpoint, trust, step);
    step(`Checkpoint of ${head.origin}: size ${head.size}, root ${hex(head.root)}`, true);
    if (bundle.size !== head.size) fail(step, `the bundle claims size ${bundle.size}, its checkpoint is of size ${head.size}`);
    if (bundle.index >= bundle.size) fail(step, `entry index ${bundle.index} is not in a tree of size ${bundle.size} (index >= size)`);
    const leaf = await leafHash(bundle.entry);
    step(`Leaf ${bundle.index}: SHA-256(0x00 ‖ entry, ${bundle.entry.length} bytes) = ${hex(leaf)}`, true);
    const r = await rootFromInclusion(leaf, bundle.index, head.size, bundle.inclusion, step);
    const match = r !== null && equal(r, head.root);
    step(`Computed root ${r ? hex(r) : "(none)"} ${match ? "equals" : "differs from"} the signed root`, match);
    if (!match) throw new VerifyError(`entry ${bundle.index}: wrong hash, the inclusion proof does not lead to the root signed at size ${head.size}`);
    let consistentFrom = null;
    if (previous !== null) {
      const old = (await verifyCheckpoint(previous, { ...trust, witnesses: [], quorum: 0 })).checkpoint;
      const c = bundle.consistency;
      if (c === null) {
        if (!(old.size === head.size && equal(old.root, head.root))) fail(step, `the bundle has no consistency proof from the checkpoint of size ${old.size} the client holds`);
      } else {
        if (c.oldSize !== old.size) fail(step, `the consistency proof starts at size ${c.oldSize}, the checkpoint the client holds has size ${old.size}`);
        const ok = await consistent(old.size, head.size, old.root, head.root, c.proof);
        step(`Consistency with the checkpoint of size ${old.size} you saw before`, ok);
        if (!ok) throw new VerifyError(`the consistency proof from size ${old.size} to ${head.size} does not verify: the log rewrote its history or the proof is wrong`);
      }
      consistentFrom = Number(old.size);
    }
    return {
      verified: true,
      origin: head.origin,
      index: Number(bundle.index),
      size: Number(head.size),
      root: b64encode(head.root),
      entry_hash: hex(leaf),
      witnesses,
      consistent_from: consistentFrom,
      entry: bundle.entry,
    };
  }

  // Two signed checkpoints and the consistency proof between them (the log page's form).
  async function verifyConsistency(data, trust, step = quiet) {
    const logOnly = { ...trust, witnesses: [], quorum: 0 };
    const a = (await verifyCheckpoint(data.old.note, logOnly, step)).checkpoint;
    const b = (await verifyCheckpoint(data.new.note, logOnly, step)).checkpoint;
    step(`Old size ${a.size}, new size ${b.size}; proof of ${data.proof.length} hashes`, a.size <= b.size);
    const ok = await consistent(a.size, b.size, a.root, b.root, hashes(data.proof, "proof"));
    step(`Checkpoint ${data.new.seq} ${ok ? "extends" : "does not extend"} checkpoint ${data.old.seq} (RFC 9162 consistency)`, ok);
    return ok;
  }

  const core = {
    BUNDLE_TYPE, MalformedError, VerifyError, parseBundle, parseNote, parseTrust, parseTrustToml,
    trustToml, verifyBundle, verifyCheckpoint, verifyConsistency,
  };
  if (typeof module === "object" && module.exports) module.exports = core;
  root.armsctlVerify = core;
  if (typeof document === "undefined") return;

  // -- the page ---------------------------------------------------------------------------

  const TRUST_KEY = "armsctl.trust";
  const HELD_KEY = "armsctl.checkpoint";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function loadPinned() {
    const s = store();
    if (!s) return null;
    try { return JSON.parse(s.getItem(TRUST_KEY) || "null"); } catch (e) { return null; }
  }
  function savePinned(policy, source) {
    const s = store();
    const pinned = { policy, source, pinned_at: new Date().toISOString() };
    if (s) { s.setItem(TRUST_KEY, JSON.stringify(pinned)); s.removeItem(HELD_KEY); }
    return pinned;
  }
  function samePolicy(a, b) {
    return trustToml(a) === trustToml(b);
  }

  function stepper(list) {
    list.replaceChildren();
    return (text, ok) => {
      const li = document.createElement("li");
      li.className = ok ? "ok" : "bad";
      li.textContent = (ok ? "✓ " : "✗ ") + text;
      list.appendChild(li);
    };
  }
  function show(result, ok, text) {
    result.className = "result " + (ok ? "pass" : "fail");
    result.textContent = (ok ? "PASS: " : "FAIL: ") + text;
  }
  function needCrypto(result) {
    if (window.crypto && crypto.subtle) return true;
    show(result, false, "this page is not a secure context, so WebCrypto is unavailable; open it over HTTPS or on localhost");
    return false;
  }

  // The policy in force: the pinned one; the page's offer is only pinned when none is.
  async function activeTrust(panel) {
    const box = panel.querySelector("#trust-config");
    const summary = panel.querySelector("#trust-summary");
    const warning = panel.querySelector("#trust-warning");
    let offered = null;
    try { offered = JSON.parse(panel.dataset.trust || "null"); } catch (e) { offered = null; }
    let pinned = loadPinned();
    if (!pinned && offered) pinned = savePinned(offered, "offered by this page on first use");
    if (!pinned) throw new MalformedError("no trust policy: paste the log key you obtained out of band");
    const differs = offered && !samePolicy(offered, pinned.policy);
    warning.hidden = !differs;
    if (differs) {
      warning.textContent = "WARNING: this page now offers a different trust policy than the one you pinned " +
        `(${pinned.source}, ${pinned.pinned_at}). The page's key may have been replaced: proofs are checked ` +
        "against YOUR pinned policy. Offered by the page now:\n" + trustToml(offered);
    }
    if (document.activeElement !== box) box.value = trustToml(pinned.policy);
    const trust = await parseTrust(pinned.policy);
    summary.textContent = `Checking against log key ${trust.logKey.name} (key id ${hex(trust.logKey.id)}), ` +
      `${trust.witnesses.length} witness(es), quorum ${trust.quorum}; pinned ${pinned.source} at ${pinned.pinned_at}.`;
    return trust;
  }

  function heldCheckpoint() {
    const s = store();
    return s ? s.getItem(HELD_KEY) : null;
  }
  function holdCheckpoint(note, sizeNow) {
    const s = store();
    if (!s) return;
    const held = s.getItem(HELD_KEY);
    if (held !== null) {
      try { if (parseNote(held).size >= BigInt(sizeNow)) return; } catch (e) { /* replace a broken one */ }
    }
    s.setItem(HELD_KEY, note);
  }

  let current = null; // {doc, figures}

  async function run(panel, entryText) {
    const result = panel.querySelector("#verifier-result");
    const step = stepper(panel.querySelector("#verifier-steps"));
    if (!needCrypto(result)) return;
    const index = current.doc.index;
    try {
      const trust = await activeTrust(panel);
      const doc = entryText === current.text ? current.doc : { ...current.doc, entry: b64encode(enc.encode(entryText)) };
      const out = await verifyBundle(doc, trust, { previous: current.previous, step });
      if (current.figures) {
        let body;
        try { body = JSON.parse(entryText).body || {}; } catch (e) { body = {}; }
        const logged = body.figures || {};
        const figures = current.figures;
        const same = Object.keys(figures).length === Object.keys(logged).length &&
          Object.keys(figures).every((k) => logged[k] === figures[k]);
        step(`The ${Object.keys(figures).length} figures shown on this page are the figures in the logged entry`, same);
        if (!same) throw new VerifyError("the figures on this page are not the logged figures");
      }
      if (entryText === current.text) holdCheckpoint(current.doc.checkpoint, out.size);
      show(result, true, `entry ${out.index} is in the log ${out.origin} signed at size ${out.size}` +
        (out.witnesses.length ? `, cosigned by ${out.witnesses.join(", ")}` : "") +
        (out.consistent_from !== null ? `, consistent with the checkpoint of size ${out.consistent_from} you saw before` : ""));
    } catch (err) {
      const why = err instanceof MalformedError ? "not a valid proof bundle: " : "";
      show(result, false, `entry ${index}: ${why}${String((err && err.message) || err)}`);
    }
  }

  async function onVerify(button) {
    const panel = document.getElementById("verifier");
    if (!panel) return;
    panel.hidden = false;
    panel.querySelector("#verifier-check").hidden = false;
    const result = panel.querySelector("#verifier-result");
    result.className = "result";
    result.textContent = "Fetching the entry, its proof and the signed checkpoint…";
    const previous = heldCheckpoint();
    let url = panel.dataset.proofUrl + encodeURIComponent(button.dataset.index);
    let fromSize = null;
    if (previous !== null) {
      try { fromSize = parseNote(previous).size; } catch (e) { fromSize = null; }
      if (fromSize !== null) url += "?from_size=" + fromSize;
    }
    panel.querySelector("#verifier-download").href = url;
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* an HTML error page */ }
      panel.querySelector("#verifier-steps").replaceChildren();
      show(result, false, `no proof for entry ${button.dataset.index}: ${detail}`);
      return;
    }
    const doc = await response.json();
    let text = "";
    try { text = new TextDecoder("utf-8", { fatal: true }).decode(b64decode(doc.entry, "entry")); } catch (e) { text = ""; }
    current = { doc, text, previous: fromSize !== null ? previous : null, figures: button.dataset.figures ? JSON.parse(button.dataset.figures) : null };
    panel.querySelector("#verifier-entry").value = text;
    await run(panel, text);
    panel.scrollIntoView({ block: "nearest" });
  }

  function tamper(text) {
    // Change one byte: the first digit (or else the first character) moves by one.
    const at = Math.max(0, text.search(/[0-9]/));
    const c = text.charCodeAt(at);
    const changed = String.fromCharCode(c === 57 ? 56 : c + 1);
    return text.slice(0, at) + changed + text.slice(at + 1);
  }

  async function useTrust(panel, policy, source) {
    const result = panel.querySelector("#verifier-result");
    try {
      await parseTrust(policy);
      savePinned(policy, source);
      await activeTrust(panel);
      if (current) await run(panel, panel.querySelector("#verifier-entry").value);
      else show(result, true, "trust policy pinned");
    } catch (err) {
      show(result, false, "trust policy not used: " + String((err && err.message) || err));
    }
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const button = target.closest(".js-verify");
    if (button) { event.preventDefault(); onVerify(button); return; }
    const panel = document.getElementById("verifier");
    if (!panel) return;
    if (target.id === "trust-save") {
      let policy;
      try { policy = parseTrustToml(panel.querySelector("#trust-config").value); } catch (err) {
        show(panel.querySelector("#verifier-result"), false, "trust policy not used: " + err.message);
        return;
      }
      useTrust(panel, policy, "entered by you");
      return;
    }
    if (target.id === "trust-accept") {
      let offered = null;
      try { offered = JSON.parse(panel.dataset.trust || "null"); } catch (e) { offered = null; }
      if (offered) useTrust(panel, offered, "accepted from this page");
      return;
    }
    if (!current) return;
    const area = panel.querySelector("#verifier-entry");
    if (target.id === "verifier-rerun") run(panel, area.value);
    if (target.id === "verifier-tamper") { area.value = tamper(area.value); run(panel, area.value); }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.getElementById("verifier");
    if (panel) activeTrust(panel).catch(() => { /* shown when a check runs */ });
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "consistency-form") return;
    event.preventDefault();
    const result = document.getElementById("consistency-result");
    const step = stepper(document.getElementById("consistency-steps"));
    if (!needCrypto(result)) return;
    const q = new URLSearchParams(new FormData(form));
    const response = await fetch("/log/consistency?" + q.toString(), { credentials: "same-origin" });
    if (!response.ok) { show(result, false, "the server gave no consistency proof for these checkpoints"); return; }
    try {
      const panel = document.getElementById("verifier");
      const trust = await activeTrust(panel);
      const data = await response.json();
      const ok = await verifyConsistency(data, trust, step);
      show(result, ok, ok ? `checkpoint ${data.new.seq} extends checkpoint ${data.old.seq}: nothing was rewritten` :
        `checkpoints ${data.old.seq} and ${data.new.seq} are not consistent`);
    } catch (err) {
      show(result, false, String((err && err.message) || err));
    }
  });

  core.tamper = tamper;
})(typeof globalThis !== "undefined" ? globalThis : this);
