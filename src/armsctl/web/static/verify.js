// armsctl proof checks, run in the reader's browser so that nobody has to trust the server.
//
// Inclusion: RFC 9162 section 2.1.3.2 with WebCrypto SHA-256 (leaf = H(0x00 || entry),
// node = H(0x01 || left || right)). Checkpoint: a C2SP signed note whose text is
// "origin\nsize\nbase64(root)\n"; the log's key string is "name+hexid+base64(0x01 || pub)" and
// its signature line "— name base64(keyid || sig)", checked with WebCrypto Ed25519.
// Consistency: RFC 9162 section 2.1.4.2. Sizes and indices are BigInt so that bit operations
// stay exact past 2^31. WebCrypto needs a secure context (HTTPS, or localhost).
"use strict";
(function () {
  const enc = new TextEncoder();

  function b64decode(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
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

  function parseNote(note) {
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0) throw new Error("the checkpoint is not a signed note (no blank line)");
    const text = note.slice(0, cut + 1);
    const sigs = note.slice(cut + 2).split("\n").filter((l) => l.length > 0).map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error("malformed signature line: " + line);
      return { name: m[1], blob: b64decode(m[2]) };
    });
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3) throw new Error("the checkpoint needs origin, size and root");
    return { text, sigs, origin: lines[0], size: BigInt(lines[1]), root: b64decode(lines[2]) };
  }

  function parseKey(keyText) {
    // The base64 part may itself contain "+": split at the first two only.
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(keyText.trim());
    if (!m) throw new Error("the log key is not name+id+key");
    const parts = [m[1], m[2], m[3]];
    const raw = b64decode(parts[2]);
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("the log key is not an Ed25519 key");
    return { name: parts[0], id: parts[1], pub: raw.slice(1) };
  }

  async function checkSignature(note, keyText, step) {
    const key = parseKey(keyText);
    const parsed = parseNote(note);
    const keyId = (await sha256(concat(enc.encode(key.name + "\n"), new Uint8Array([1]), key.pub))).slice(0, 4);
    step(`Log key ${key.name}: key id ${hex(keyId)} (expected ${key.id})`, hex(keyId) === key.id);
    if (hex(keyId) !== key.id) return { ok: false, parsed };
    step(`Checkpoint origin “${parsed.origin}” matches the key name`, parsed.origin === key.name);
    const sig = parsed.sigs.find((s) => s.name === key.name && equal(s.blob.slice(0, 4), keyId));
    step(`Signature lines: ${parsed.sigs.length} (${parsed.sigs.map((s) => s.name).join(", ")}); one by the log key`, Boolean(sig));
    if (!sig || parsed.origin !== key.name) return { ok: false, parsed };
    const pub = await crypto.subtle.importKey("raw", key.pub, { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, pub, sig.blob.slice(4), enc.encode(parsed.text));
    step("Ed25519 signature of the log over the checkpoint text (WebCrypto)", ok);
    return { ok, parsed };
  }

  async function verifyInclusion(bundle, entryText, figures, step) {
    const entry = enc.encode(entryText);
    const index = BigInt(bundle.index);
    const size = BigInt(bundle.size);
    const sig = await checkSignature(bundle.checkpoint, bundle.log_key, step);
    if (!sig.ok) return false;
    step(`Checkpoint size ${sig.parsed.size}, root ${hex(sig.parsed.root)}`, sig.parsed.size === size);
    if (sig.parsed.size !== size) return false;
    let r = await leafHash(entry);
    step(`Leaf ${index}: SHA-256(0x00 ‖ entry, ${entry.length} bytes) = ${hex(r)}`, true);
    let fn = index, sn = size - 1n;
    let i = 0;
    for (const p64 of bundle.proof) {
      const p = b64decode(p64);
      i++;
      if (sn === 0n) { step("The proof is longer than the path", false); return false; }
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
    const match = sn === 0n && equal(r, sig.parsed.root);
    step(`Computed root ${hex(r)} ${match ? "equals" : "differs from"} the signed root`, match);
    if (!match) return false;
    if (figures) {
      let body;
      try { body = JSON.parse(entryText).body || {}; } catch (e) { body = {}; }
      const logged = body.figures || {};
      const same = Object.keys(figures).length === Object.keys(logged).length &&
        Object.keys(figures).every((k) => logged[k] === figures[k]);
      step(`The ${Object.keys(figures).length} figures shown on this page are the figures in the logged entry`, same);
      if (!same) return false;
    }
    return true;
  }

  async function verifyConsistency(data, step) {
    const a = await checkSignature(data.old.note, data.log_key, step);
    const b = await checkSignature(data.new.note, data.log_key, step);
    if (!a.ok || !b.ok) return false;
    const m = a.parsed.size, n = b.parsed.size;
    step(`Old size ${m}, new size ${n}; proof of ${data.proof.length} hashes`, m <= n);
    if (m > n) return false;
    if (m === n) { const ok = equal(a.parsed.root, b.parsed.root) && data.proof.length === 0; step("Same size: the roots must be equal", ok); return ok; }
    if (m === 0n) { step("The empty tree is consistent with every tree", true); return true; }
    const path = data.proof.map(b64decode);
    if (path.length === 0) { step("An empty proof proves nothing", false); return false; }
    if ((m & (m - 1n)) === 0n) path.unshift(a.parsed.root);
    let fn = m - 1n, sn = n - 1n;
    while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0n) { step("The proof is longer than the path", false); return false; }
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await nodeHash(c, fr); sr = await nodeHash(c, sr);
        if ((fn & 1n) === 0n) { while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; } }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn >>= 1n; sn >>= 1n;
    }
    const okOld = equal(fr, a.parsed.root), okNew = equal(sr, b.parsed.root) && sn === 0n;
    step(`Recomputed old root ${hex(fr)} ${okOld ? "equals" : "differs from"} checkpoint ${data.old.seq}`, okOld);
    step(`Recomputed new root ${hex(sr)} ${okNew ? "equals" : "differs from"} checkpoint ${data.new.seq}`, okNew);
    return okOld && okNew;
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

  let current = null; // {bundle, figures}

  async function run(panel, entryText) {
    const result = panel.querySelector("#verifier-result");
    const step = stepper(panel.querySelector("#verifier-steps"));
    if (!needCrypto(result)) return;
    try {
      const ok = await verifyInclusion(current.bundle, entryText, current.figures, step);
      show(result, ok, ok ? `entry ${current.bundle.index} is in the log signed at size ${current.bundle.size}` :
        `entry ${current.bundle.index} does not check out against the signed checkpoint`);
    } catch (err) {
      show(result, false, String(err && err.message || err));
    }
  }

  async function onVerify(button) {
    const panel = document.getElementById("verifier");
    if (!panel) return;
    panel.hidden = false;
    const result = panel.querySelector("#verifier-result");
    result.className = "result";
    result.textContent = "Fetching the entry, its proof and the signed checkpoint…";
    const response = await fetch(panel.dataset.proofUrl + encodeURIComponent(button.dataset.index), { credentials: "same-origin" });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* an HTML error page */ }
      panel.querySelector("#verifier-steps").replaceChildren();
      show(result, false, `no proof for entry ${button.dataset.index}: ${detail}`);
      return;
    }
    const bundle = await response.json();
    current = { bundle, figures: button.dataset.figures ? JSON.parse(button.dataset.figures) : null };
    panel.querySelector("#verifier-entry").value = bundle.entry;
    await run(panel, bundle.entry);
    panel.scrollIntoView({ block: "nearest" });
  }

  function tamper(text) {
    // Change one byte: the first digit after "figures" (or else the first letter) moves by one.
    const at = Math.max(0, text.search(/[0-9]/));
    const c = text.charCodeAt(at);
    const changed = String.fromCharCode(c === 57 ? 56 : c + 1);
    return text.slice(0, at) + changed + text.slice(at + 1);
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const button = target.closest(".js-verify");
    if (button) { event.preventDefault(); onVerify(button); return; }
    const panel = document.getElementById("verifier");
    if (!panel || !current) return;
    const area = panel.querySelector("#verifier-entry");
    if (target.id === "verifier-rerun") run(panel, area.value);
    if (target.id === "verifier-tamper") { area.value = tamper(area.value); run(panel, area.value); }
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
      const data = await response.json();
      const ok = await verifyConsistency(data, step);
      show(result, ok, ok ? `checkpoint ${data.new.seq} extends checkpoint ${data.old.seq}: nothing was rewritten` :
        `checkpoints ${data.old.seq} and ${data.new.seq} are not consistent`);
    } catch (err) {
      show(result, false, String(err && err.message || err));
    }
  });

  window.armsctlVerify = { verifyInclusion, verifyConsistency, parseNote, tamper };
})();
