// Writes docs/PERMISSIONS.md: every permission path of every demo stack in both profiles, with the
// simulator's verdict and the statements that decided it, and the data each role can reach.
//   npm run permissions
// test/permissions/permission-paths.test.ts fails when the committed document is stale.
import * as fs from 'fs';
import * as path from 'path';
import { proveAllPatterns, renderPermissionsDoc } from '../test/permissions/pattern-proofs';

export const PERMISSIONS_DOC = path.join(__dirname, '..', 'docs', 'PERMISSIONS.md');

async function main(): Promise<void> {
  process.env.CDK_VALIDATION = 'false';
  const all = await proveAllPatterns();
  fs.writeFileSync(PERMISSIONS_DOC, renderPermissionsDoc(all));
  const failures = all.flatMap((p) => p.proofs.flatMap((x) => x.failures));
  console.log(`wrote ${path.relative(process.cwd(), PERMISSIONS_DOC)}; ${failures.length} failing path(s)`);
  if (failures.length > 0) process.exitCode = 1;
}

if (require.main === module) void main();
