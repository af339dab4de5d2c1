// The browser verifier (src/armsctl/web/static/verify.js) against the known-answer vectors
// that the Python verifier also passes (tests/ledger/vectors/bundles.json). Run by
// tests/web/test_verify_js.py with `node --test`; the same loop runs in Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const require = createRequire(import.meta.url);
const verify = require(path.join(repo, "src/armsctl/web/static/verify.js"));
const { vectors } = JSON.parse(readFileSync(path.join(repo, "tests/ledger/vectors/bundles.json"), "utf8"));

for (const c of vectors) {
  test(c.name, async () => {
    const trust = await verify.parseTrust(c.trust);
    const run = () => verify.verifyBundle(c.bundle, trust, { previous: c.previous ?? null });
    if (c.expect === "malformed") {
      await assert.rejects(run, (e) => e instanceof verify.MalformedError);
    } else if (c.expect === "fail") {
      await assert.rejects(run, (e) => e instanceof verify.VerifyError && e.message.includes(c.reason),
        `expected a failure naming ${JSON.stringify(c.reason)}`);
    } else {
      const out = await run();
      for (const [k, v] of Object.entries(c.result)) assert.deepEqual(out[k], v, k);
    }
  });
}

test("the trust.toml subset reads back what it writes", async () => {
  const doc = vectors.find((c) => c.name === "valid-two-of-two-witnesses").trust;
  assert.deepEqual(verify.parseTrustToml(verify.trustToml(doc)), doc);
  assert.throws(() => verify.parseTrustToml("log_key = \"x\"\nkey = 1\n"), verify.MalformedError);
  assert.throws(() => verify.parseTrustToml("quorum = 1\n"), /log_key is missing/);
});
