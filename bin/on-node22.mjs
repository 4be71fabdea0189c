#!/usr/bin/env node
// Runs `node <args>` on Node 22 or newer: this node when it is one (CI and the image put Node 22
// first on PATH), else the npm registry's node@22 through npx (fetched once). StrykerJS needs 22;
// the npx path costs a download and a cache that concurrent runs can race on, so it is the fallback.
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const major = Number(process.versions.node.split('.')[0]);
const [command, commandArgs] = major >= 22 ? [process.execPath, args] : ['npx', ['--yes', '-p', 'node@22', '--', 'node', ...args]];
const child = spawn(command, commandArgs, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (error) => {
  console.error(`test:mutation: cannot start ${command}: ${error.message}`);
  process.exit(1);
});
