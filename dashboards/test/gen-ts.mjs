#!/usr/bin/env node
// Wraps every dashboard JSON (dashboards/json/*.json) in a TypeScript file under build/ts/ as
// `export default (<the JSON>) satisfies HeapscopeDashboardJson;` so that `tsc` checks it against Grafana's schema
// types (schema.ts). An object literal, unlike an imported JSON module, keeps its string literals and gets
// TypeScript's excess-property checks, so a misspelt or unknown option is an error.
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'json');
const build = join(here, 'build', 'ts');
rmSync(build, { recursive: true, force: true });
mkdirSync(build, { recursive: true });
for (const f of readdirSync(src).filter((f) => f.endsWith('.json')).sort()) {
  const json = readFileSync(join(src, f), 'utf8');
  JSON.parse(json); // valid JSON first
  writeFileSync(join(build, f.replace(/\.json$/, '.ts')),
    `// generated from dashboards/json/${f} by gen-ts.mjs\n`
    + `import type { HeapscopeDashboardJson } from '../../schema.js';\n\n`
    + `export default (${json.trimEnd()}) satisfies HeapscopeDashboardJson;\n`);
  console.log(`build/ts/${f.replace(/\.json$/, '.ts')}`);
}
