// The browser opener (src/armsctl/web/static/sealed-open.mjs) against the known-answer vectors
// that the Python opener also passes (tests/ledger/vectors/sealing.json): padded v2 records
// and unpadded v1 records open to the same plaintexts, and the padding is stripped exactly as
// sealing.unpad strips it. Run by tests/web/test_sealing_js.py with `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const opener = await import(pathToFileURL(path.join(repo, "src/armsctl/web/static/sealed-open.mjs")));
const vectors = JSON.parse(readFileSync(path.join(repo, "tests/ledger/vectors/sealing.json"), "utf8"));
const secret = opener.parseKeyFile(vectors.key);

for (const c of vectors.cases) {
  test(c.name, async () => {
    if (c.kind === "items") {
      const rows = await opener.openRows(secret, c.sealed, c.sealed.rows, c.context);
      assert.deepEqual(rows, c.rows);
      if (c.row_ciphertext_bytes !== undefined) {
        for (const r of c.sealed.rows) assert.equal(atob(r.ciphertext).length, c.row_ciphertext_bytes);
      }
    } else {
      assert.deepEqual(await opener.openValue(secret, c.sealed, c.reader), c.plain);
      if (c.ciphertext_bytes !== undefined) assert.equal(atob(c.sealed.ciphertext).length, c.ciphertext_bytes);
    }
  });
}

test("a moved value does not open", async () => {
  const c = vectors.cases.find((v) => v.name === "value-v2");
  const moved = { ...c.sealed, context: { ...c.sealed.context, inspection: 8 } };
  await assert.rejects(opener.openValue(secret, moved, c.reader), /does not open/);
});

test("padding is stripped as the Python opener strips it", () => {
  for (const p of vectors.padding) {
    const padded = new Uint8Array(p.padded);
    padded.fill(0x7b, 0, p.size);
    padded[p.size] = 0x80;
    assert.equal(opener.unpad(padded).length, p.size);
  }
  assert.throws(() => opener.unpad(new Uint8Array([0x7b, 0, 0])), /not padded/);
  assert.throws(() => opener.unpad(new Uint8Array(16)), /not padded/);
});

test("an opened arrival time is shown as the pages show a time", () => {
  globalThis.document = { createElement: () => ({}) };
  try {
    const el = { dataset: { sealedAs: "time" }, replaceChildren(child) { this.child = child; } };
    opener.showOpened(el, "2026-01-20T08:00:00+00:00");
    assert.equal(el.child.textContent, "2026-01-20 08:00 UTC");
    assert.equal(el.child.dateTime, "2026-01-20T08:00:00Z");
    const plain = { dataset: {} };
    opener.showOpened(plain, { findings: 1 });
    assert.equal(plain.textContent, '{"findings":1}');
  } finally {
    delete globalThis.document;
  }
});
