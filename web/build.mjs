// Bundles src/app.js (and uPlot, with its CSS) for the binary: one app.js, one app.css, minified,
// for browsers of the last few years. index.html is copied beside them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = process.argv[2] || 'dist';
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: ['src/app.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outfile: `${out}/app.js`,
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync('index.html', `${out}/index.html`);
