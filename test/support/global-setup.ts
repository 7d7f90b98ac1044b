import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** One fresh directory per jest run for what test files share (see synthesizeApp). */
export default function globalSetup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-jest-'));
  process.env.REFARCH_TEST_RUN_DIR = dir;
}
