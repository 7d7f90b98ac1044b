import * as fs from 'fs';
import * as path from 'path';
import { PATTERN_STACKS } from '../lib/stacks/reference-app';
import { synthesizeApp } from './reliability/synthesized-app';
import {
  COST_FILE,
  estimateTemplate,
  PRICES,
  readmeWithPatternTable,
  README_FILE,
  renderCostReport,
  renderPatternTable,
  stackCosts,
  total,
} from '../scripts/cost';

describe('idle cost estimate', () => {
  test('prices what a template provisions, from the price table', () => {
    const lines = estimateTemplate({
      Resources: {
        Nat: { Type: 'AWS::EC2::NatGateway' },
        Ip: { Type: 'AWS::EC2::EIP' },
        Db: {
          Type: 'AWS::RDS::DBInstance',
          Properties: { DBInstanceClass: 'db.t4g.micro', MultiAZ: true, AllocatedStorage: 20 },
        },
        Key: { Type: 'AWS::KMS::Key' },
        Queue: { Type: 'AWS::SQS::Queue' },
      },
    });
    expect(lines.map((l) => l.item)).toEqual([
      '1 NAT gateway(s)',
      '1 public IPv4 address(es)',
      'RDS db.t4g.micro Multi-AZ',
      'RDS 20 GB gp3 Multi-AZ',
      '1 KMS key(s)',
    ]);
    const expected =
      (PRICES.natGatewayHour + PRICES.publicIpv4Hour + 2 * PRICES.rdsHour['db.t4g.micro']) * 730 +
      2 * 20 * PRICES.rdsGp3GbMonth +
      PRICES.kmsKeyMonth;
    expect(total(lines)).toBeCloseTo(expected, 6);
  });

  test('refuses to guess a price it does not know', () => {
    expect(() =>
      estimateTemplate({
        Resources: { Db: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.x9.huge' } } },
      }),
    ).toThrow('cost: no price for RDS instance db.x9.huge; add it to PRICES in scripts/cost.ts');
  });

  const costs = stackCosts(synthesizeApp);

  test('docs/COST.md is up to date (run `npm run cost`)', () => {
    expect(fs.readFileSync(COST_FILE, 'utf8')).toBe(renderCostReport(costs));
  });

  test('the README pattern table is up to date and lists every pattern (run `npm run cost`)', () => {
    const readme = fs.readFileSync(README_FILE, 'utf8');
    expect(readmeWithPatternTable(readme, renderPatternTable(costs))).toBe(readme);
    for (const e of PATTERN_STACKS) {
      expect(readme).toContain(`(lib/${e.folder}/README.md)`);
      expect(fs.existsSync(path.join(__dirname, '..', 'lib', e.folder, 'README.md'))).toBe(true);
    }
  });

  test('a README without the table markers is an error, not a silent append', () => {
    expect(() => readmeWithPatternTable('# no markers', 'x')).toThrow('markers are missing');
  });
});
