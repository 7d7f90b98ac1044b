// Integration test: Multi-AZ RDS database (RefArch-MultiAzDatabase, sandbox profile), against a real
// account. Proves that Multi-AZ is on and that the standby is real:
//   1. DescribeDBInstances: MultiAZ is true and a secondary (standby) Availability Zone is reported;
//   2. once the instance is available, RebootDBInstance with ForceFailover: RDS promotes the standby;
//   3. the primary now runs in the former standby's AZ, and the instance is available again (the
//      endpoint name never changes, which is what applications rely on).
// Run: see "Run the integration test against a sandbox account" in lib/multi-az-database/README.md.
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult } from '@aws-cdk/integ-tests-alpha';
import { MultiAzDatabaseStack } from '../../lib/multi-az-database/multi-az-database-stack';
import {
  assertAtPathWithin,
  assertionStack,
  alarmNotifies,
  destroyableAssertionLogs,
  exactly,
  INTEG_STACK_PREFIX,
  IntegCase,
  integTest,
  synthIntegApp,
} from './integ-helpers';

export function build(app: App): IntegCase {
  const stack = new MultiAzDatabaseStack(app, `${INTEG_STACK_PREFIX}MultiAzDatabase`, { profile: 'sandbox' });
  const assertions = assertionStack(app, 'MultiAzDatabase');
  const integ = integTest(app, 'MultiAzDatabase', stack, assertions);
  const id = stack.database.instance.instanceIdentifier;

  // A DBInstance description is larger than a custom resource may return (4 KB): every call names the
  // paths it needs, and only those come back.
  const describe = (paths?: string[]) =>
    integ.assertions.awsApiCall('RDS', 'describeDBInstances', { DBInstanceIdentifier: id }, paths);

  const before = describe(['DBInstances.0.SecondaryAvailabilityZone']);
  assertAtPathWithin(before, 'DBInstances.0.MultiAZ', exactly(true), Duration.minutes(2));
  const standbyAz = before.getAttString('DBInstances.0.SecondaryAvailabilityZone');
  const hasStandby = assertAtPathWithin(
    describe(),
    'DBInstances.0.SecondaryAvailabilityZone',
    ExpectedResult.stringLikeRegexp('^[a-z]{2}(-[a-z]+)+-\\d[a-z]$'),
    Duration.minutes(2),
  );

  // Right after creation RDS takes the first automated backup ("backing-up"), and a reboot is refused
  // until the instance is "available" again.
  const ready = () =>
    assertAtPathWithin(
      describe(),
      'DBInstances.0.DBInstanceStatus',
      exactly('available'),
      Duration.minutes(30),
      Duration.seconds(30),
    );
  const readyForFailover = ready();
  // Retried while RDS refuses (an error is no result, so the waiter tries again); any status passes.
  const failover = assertAtPathWithin(
    integ.assertions.awsApiCall('RDS', 'rebootDBInstance', { DBInstanceIdentifier: id, ForceFailover: true }),
    'DBInstance.DBInstanceStatus',
    ExpectedResult.stringLikeRegexp('.+'),
    Duration.minutes(10),
    Duration.seconds(30),
  );
  // A failover of a small instance takes one to two minutes.
  const promoted = assertAtPathWithin(
    describe(),
    'DBInstances.0.AvailabilityZone',
    exactly(standbyAz),
    Duration.minutes(15),
    Duration.seconds(30),
  );
  // Deleting the stack needs the instance out of "rebooting".
  const availableAgain = ready();

  // Last: an alarm of the database reaches its topic (alarmNotifies).
  before
    .next(hasStandby)
    .next(readyForFailover)
    .next(failover)
    .next(promoted)
    .next(availableAgain)
    .next(alarmNotifies(integ, Object.values(stack.database.alarms)[0])[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
