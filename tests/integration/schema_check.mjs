// Validates reports against their official JSON schemas (installed into .tools/schemas by
// scripts/install-deps.sh): node schema_check.mjs sarif|cyclonedx FILE...
// Prints each file's schema errors and exits 1 when any file is invalid.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const tools = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".tools");
const require = createRequire(join(tools, "node_modules", "x.js"));
const schemas = join(tools, "schemas");
const load = (name) => JSON.parse(readFileSync(join(schemas, name), "utf8"));

function validator(kind) {
  const addFormats = require("ajv-formats");
  if (kind === "sarif") {
    // SARIF 2.1.0's schema is JSON Schema draft 04.
    const Ajv04 = require("ajv-draft-04");
    // Its language pattern is not valid with the u flag ("]?"): read as JavaScript reads it.
    const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    return ajv.compile(load("sarif-2.1.0-rtm.5.json"));
  }
  if (kind === "cyclonedx") {
    const Ajv = require("ajv");
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    // Formats ajv-formats lacks: an IRI reference is any string without spaces here; an
    // internationalised email has one @ between non-empty parts.
    ajv.addFormat("iri-reference", /^\S*$/u);
    ajv.addFormat("idn-email", /^[^@\s]+@[^@\s]+$/u);
    // bom-1.5 refers to its companions by their file names in CycloneDX's library.
    for (const name of ["spdx", "jsf-0.82"]) {
      const s = load(`${name}.SNAPSHOT.schema.json`);
      s.$id = `http://cyclonedx.org/schema/${name}.SNAPSHOT.schema.json`;
      ajv.addSchema(s);
    }
    return ajv.compile(load("bom-1.5.SNAPSHOT.schema.json"));
  }
  throw new Error(`unknown schema kind ${kind} (sarif, cyclonedx)`);
}

const [kind, ...files] = process.argv.slice(2);
const validate = validator(kind);
let bad = 0;
for (const f of files) {
  if (validate(JSON.parse(readFileSync(f, "utf8")))) {
    console.log(`${f}: valid ${kind}`);
    continue;
  }
  bad++;
  for (const e of validate.errors.slice(0, 20))
    console.log(`${f}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
}
process.exit(bad ? 1 : 0);
