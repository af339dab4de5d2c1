// Open what the server keeps sealed to the user's party, in this browser, with a key file the
// user picks. The file is read here (FileReader) and never sent anywhere: no form posts it, no
// request carries it. Two schemes, both in src/armsctl/ledger/sealing.py:
//
// - armsctl/sealed-items/v2: one HPKE-wrapped data key per declaration (RFC 9180 base mode,
//   DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; info = RFC 8785 of
//   {scheme, party, treaty, date}), each row ChaCha20-Poly1305 under it with the nonce its
//   position (12 bytes, big-endian) and as associated data RFC 8785 of the context + position;
// - armsctl/sealed-value/v2: one value, its data key wrapped per reader (info = RFC 8785 of
//   {scheme, ...context, reader}), encrypted once with nonce 0 and the bound context as
//   associated data.
//
// A v2 plaintext is padded (0x80 then zeros, to a power of two with a floor) so that its
// length gives little away; unpad() strips it exactly as sealing.unpad does. Records written
// before padding (.../v1) open as they are.
//
// X25519 is WebCrypto's (Chromium); HKDF and ChaCha20-Poly1305 are the vendored @noble/hashes
// and @noble/ciphers (static/vendor/noble-sealing.mjs, MIT, licence beside it).
import { canonical, concat, fromB64 } from "./encoding.mjs";
import { chacha20poly1305, expand, extract, sha256 } from "./vendor/noble-sealing.mjs";

export const SEALING_SCHEME =
  "armsctl/sealed-items/v2: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key; " +
  "chacha20-poly1305 per row, nonce = position, aad = rfc8785(context); " +
  "plaintext padded 0x80 0x00* to a power of two, at least 256 bytes (row) or 1024 (private)";
export const VALUE_SCHEME =
  "armsctl/sealed-value/v2: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key per " +
  "reader, info = rfc8785(context + reader); chacha20-poly1305(rfc8785(value) padded " +
  "0x80 0x00* to a power of two, at least 1024 bytes), nonce 0, aad = rfc8785(context)";
const ITEMS_V1 =
  "armsctl/sealed-items/v1: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key; " +
  "chacha20-poly1305 per row, nonce = position, aad = rfc8785(context)";
const VALUE_V1 =
  "armsctl/sealed-value/v1: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key per " +
  "reader, info = rfc8785(context + reader); chacha20-poly1305(rfc8785(value)), nonce 0, " +
  "aad = rfc8785(context)";

/** Strip the padding of a v2 plaintext: trailing zeros, then the 0x80 before them. */
export function unpad(padded) {
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  if (end === 0 || padded[end - 1] !== 0x80) {
    throw new Error("the sealed plaintext is not padded as the scheme says");
  }
  return padded.subarray(0, end - 1);
}

function strip(plain, scheme) {
  return scheme === ITEMS_V1 || scheme === VALUE_V1 ? plain : unpad(plain);
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

function u16(n) {
  return new Uint8Array([n >> 8, n & 255]);
}

/** The 32 bytes of an ``x25519-private:<base64>`` key file, or a clear error. */
export function parseKeyFile(text) {
  const line = String(text).trim();
  if (!line.startsWith("x25519-private:")) {
    throw new Error("this is not a private encryption key file (x25519-private:...): pick NAME.x25519.key");
  }
  const raw = fromB64(line.slice("x25519-private:".length), "the key file");
  if (raw.length !== 32) throw new Error("a private encryption key is 32 bytes");
  return raw;
}

const PKCS8_X25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const BASE_POINT = (() => {
  const u = new Uint8Array(32);
  u[0] = 9;
  return u;
})();

async function x25519(secret, publicRaw) {
  const key = await crypto.subtle.importKey(
    "pkcs8", concat(PKCS8_X25519, secret), { name: "X25519" }, false, ["deriveBits"],
  );
  const peer = await crypto.subtle.importKey("raw", publicRaw, { name: "X25519" }, true, []);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: peer }, key, 256));
}

const KEM_ID = concat(enc.encode("KEM"), u16(0x0020));
const HPKE_ID = concat(enc.encode("HPKE"), u16(0x0020), u16(0x0001), u16(0x0003));
const V1 = enc.encode("HPKE-v1");

function labeledExtract(suite, salt, label, ikm) {
  return extract(sha256, concat(V1, suite, enc.encode(label), ikm), salt);
}

function labeledExpand(suite, prk, label, info, length) {
  return expand(sha256, prk, concat(u16(length), V1, suite, enc.encode(label), info), length);
}

/** RFC 9180 single-shot open, base mode: the data key wrapped to our key (``enc || ct``). */
export async function hpkeOpen(secret, wrapped, info) {
  if (wrapped.length < 32 + 16) throw new Error("the wrapped key is truncated");
  const ephemeral = wrapped.slice(0, 32);
  const ours = await x25519(secret, BASE_POINT);
  const dh = await x25519(secret, ephemeral);
  const prk = labeledExtract(KEM_ID, new Uint8Array(0), "eae_prk", dh);
  const shared = labeledExpand(KEM_ID, prk, "shared_secret", concat(ephemeral, ours), 32);
  const empty = new Uint8Array(0);
  const context = concat(
    new Uint8Array([0]),
    labeledExtract(HPKE_ID, empty, "psk_id_hash", empty),
    labeledExtract(HPKE_ID, empty, "info_hash", info),
  );
  const root = labeledExtract(HPKE_ID, shared, "secret", empty);
  const key = labeledExpand(HPKE_ID, root, "key", context, 32);
  const nonce = labeledExpand(HPKE_ID, root, "base_nonce", context, 12);
  try {
    return chacha20poly1305(key, nonce).decrypt(wrapped.slice(32));
  } catch {
    throw new Error("the data key does not open with this key: another party's key, or altered");
  }
}

function rowNonce(position) {
  const nonce = new Uint8Array(12);
  let n = BigInt(position);
  for (let i = 11; i >= 0 && n > 0n; i--, n >>= 8n) nonce[i] = Number(n & 255n);
  return nonce;
}

/**
 * Open sealed item rows: ``sealed`` is the declaration's ``{scheme, wrapped_key}``, ``rows``
 * ``[{index, ciphertext}]``, ``where`` ``{party, treaty, date}``. Returns ``[{index, salt,
 * item}]``; throws naming the row that does not open.
 */
export async function openRows(secret, sealed, rows, where) {
  if (sealed.scheme !== SEALING_SCHEME && sealed.scheme !== ITEMS_V1) {
    throw new Error("the sealed items use an unknown scheme");
  }
  const context = { scheme: sealed.scheme, party: where.party, treaty: where.treaty, date: where.date };
  const dataKey = await hpkeOpen(secret, fromB64(sealed.wrapped_key, "the wrapped key"), enc.encode(canonical(context)));
  return rows.map((row, n) => {
    const aad = enc.encode(canonical({ ...context, position: row.index }));
    let plain;
    try {
      plain = chacha20poly1305(dataKey, rowNonce(row.index), aad).decrypt(fromB64(row.ciphertext, `row ${n}`));
    } catch {
      throw new Error(`sealed row ${n} does not open at position ${row.index} (moved or altered)`);
    }
    const doc = JSON.parse(dec.decode(strip(plain, sealed.scheme)));
    return { index: row.index, salt: doc.salt, item: doc.item };
  });
}

/** Open a value sealed to ``reader`` (a party code): ``{value, salt}`` as sealed at rest. */
export async function openValue(secret, sealed, reader = undefined) {
  if (!sealed || (sealed.scheme !== VALUE_SCHEME && sealed.scheme !== VALUE_V1)) {
    throw new Error("the sealed value uses an unknown scheme");
  }
  const keys = sealed.keys || {};
  const only = Object.keys(keys);
  reader = reader || (only.length === 1 ? only[0] : reader);
  const wrapped = keys[reader];
  if (!wrapped) throw new Error(`the sealed value has no key for ${reader}`);
  const bound = { scheme: sealed.scheme, ...sealed.context };
  const dataKey = await hpkeOpen(secret, fromB64(wrapped, "the wrapped key"), enc.encode(canonical({ ...bound, reader })));
  let plain;
  try {
    plain = chacha20poly1305(dataKey, new Uint8Array(12), enc.encode(canonical(bound))).decrypt(
      fromB64(sealed.ciphertext, "the ciphertext"),
    );
  } catch {
    throw new Error("the sealed value does not open (altered, or moved to another record)");
  }
  return JSON.parse(dec.decode(strip(plain, sealed.scheme)));
}

function readFile(input) {
  const file = input.files && input.files[0];
  if (!file) return Promise.reject(new Error("choose your key file first (NAME.x25519.key)"));
  return file.text();
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function show(status, message, isError) {
  status.textContent = message;
  status.classList.toggle("error", Boolean(isError));
}

/**
 * Put an opened value in its element: a ``data-sealed-as="time"`` element (an arrival time)
 * shows it as the pages show every time, ``<time datetime>2026-11-30 10:00 UTC</time>``.
 */
export function showOpened(el, value) {
  const instant = el.dataset.sealedAs === "time" && typeof value === "string" ? new Date(value) : null;
  if (instant && !Number.isNaN(instant.getTime())) {
    const iso = instant.toISOString();
    const time = document.createElement("time");
    time.dateTime = iso.replace(/\.\d{3}Z$/, "Z");
    time.textContent = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
    el.replaceChildren(time);
    return;
  }
  el.textContent = typeof value === "string" ? value : canonical(value);
}

/** Wire every ``[data-sealed-opener]`` panel on the page to its embedded sealed data. */
function wire() {
  for (const panel of document.querySelectorAll("[data-sealed-opener]")) {
    const input = panel.querySelector("input[type=file]");
    const button = panel.querySelector("button");
    const status = panel.querySelector("[role=status]");
    button.addEventListener("click", async () => {
      try {
        const secret = parseKeyFile(await readFile(input));
        const reader = panel.dataset.reader;
        let opened = 0;
        const items = document.getElementById(panel.dataset.items || "");
        if (items) {
          const doc = JSON.parse(items.textContent);
          const rows = await openRows(secret, doc.sealed, doc.rows, doc.context);
          const body = document.querySelector(panel.dataset.target);
          body.replaceChildren();
          for (const r of rows) {
            const tr = document.createElement("tr");
            tr.className = "item-row";
            const others = Object.keys(r.item)
              .filter((k) => !["uid", "category", "status", "facility"].includes(k))
              .sort()
              .map((k) => `${k}=${r.item[k]}`)
              .join(" ");
            for (const v of [r.index, r.item.uid, r.item.category, r.item.status, r.item.facility, others]) {
              tr.append(cell(String(v ?? "")));
            }
            body.append(tr);
          }
          body.closest("table").hidden = false;
          opened += rows.length;
        }
        for (const el of document.querySelectorAll("[data-sealed-value]")) {
          const got = await openValue(secret, JSON.parse(el.dataset.sealedValue), reader);
          showOpened(el, got.value);
          el.classList.add("opened");
          opened += 1;
        }
        show(status, `Opened ${opened} sealed record(s) in this browser; the key file was not sent.`, false);
      } catch (err) {
        show(status, err.message, true);
      }
    });
  }
}

if (typeof document !== "undefined") wire();
