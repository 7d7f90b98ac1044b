// Runs shell commands at the same time and fails if any fails; each command's output is printed
// whole when it ends, so logs do not interleave. `npm test` uses it for the type-check and the lint,
// two single-threaded steps that otherwise leave one of CI's two cores idle.
//   node scripts/parallel.mjs "npm run typecheck" "npm run lint"
import { spawn } from 'node:child_process';

const commands = process.argv.slice(2);
const results = await Promise.all(
  commands.map(
    (command) =>
      new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (code) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          process.stdout.write(`\n$ ${command}  (exit ${code}, ${seconds} s)\n${output}`);
          resolve(code);
        });
      }),
  ),
);
process.exit(results.some((code) => code !== 0) ? 1 : 0);
