import * as fs from 'fs';

export default function globalTeardown(): void {
  const dir = process.env.REFARCH_TEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
