// Run the browser verifier on every shared vector: node vectors.test.mjs <zk-verify.mjs> <dir>.
// Prints { H, cases: { name: { verified, failed } } } for the Python test to compare.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [moduleFile, dir] = process.argv.slice(2);
const zk = await import(pathToFileURL(path.resolve(moduleFile)).href);
const cases = JSON.parse(fs.readFileSync(path.join(dir, "cases.json"), "utf8"));
const out = {};
for (const c of cases) {
  const r = zk.verifyProof(c.proof, c.expected);
  out[c.name] = { verified: r.verified, failed: r.failed };
}
const H = Buffer.from(zk.GENERATOR_H.toBytes()).toString("hex");
process.stdout.write(JSON.stringify({ H, cases: out }));
