#!/usr/bin/env node
// The package's bin: the compiled command line in dist/ (`npm run build`; `npm ci` runs it).
import "../dist/cli/entry.js";
