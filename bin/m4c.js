#!/usr/bin/env node
// The `m4c` entry point. The sources are TypeScript run through tsx's loader, so a fresh clone works right
// after `npm ci` with no build step; tsx caches its transforms, so later starts are fast.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
