#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'hkd is not built yet: run `npm run build` (npm install does it for you).\n',
  );
  process.exit(2);
}
require(entry);
