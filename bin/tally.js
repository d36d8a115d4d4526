#!/usr/bin/env node
// The `tally` command: runs the TypeScript CLI through tsx, like `npm start` runs the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
