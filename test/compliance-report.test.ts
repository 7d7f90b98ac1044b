import * as fs from 'fs';
import { REPORT_FILE, renderComplianceReport } from '../scripts/compliance-report';

test('docs/COMPLIANCE.md is up to date (run `npm run compliance` after changing an acknowledgment)', () => {
  expect(fs.readFileSync(REPORT_FILE, 'utf8')).toBe(renderComplianceReport());
});
