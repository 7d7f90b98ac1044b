// Integration test: three-tier web app (RefArch-ThreeTierWebApp, sandbox profile), against a real
// account. Proves the three tiers answer together, from the internet:
//   1. GET http://<load balancer>/health/database: 200 {"status":"ok"} from an instance that just ran a
//      query on the database (the deep check; /health only says the process is up);
//   2. GET http://<load balancer>/: 200 and a page the app tier rendered after writing a visit into
//      the database and reading the count back ("Visits stored in the database: <n>"), with a session it
//      keeps in the Valkey cache tier ("Your session (kept in the cache").
// Run: see "Run the integration test against a sandbox account" in lib/three-tier-web-app/README.md.
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { ThreeTierWebAppStack } from '../../lib/three-tier-web-app/three-tier-web-app-stack';
import {
  assertionStack,
  alarmNotifies,
  destroyableAssertionLogs,
  expectWithin,
  INTEG_STACK_PREFIX,
  IntegCase,
  integTest,
  synthIntegApp,
} from './integ-helpers';

export function build(app: App): IntegCase {
  const stack = new ThreeTierWebAppStack(app, `${INTEG_STACK_PREFIX}ThreeTierWebApp`, { profile: 'sandbox' });
  const assertions = assertionStack(app, 'ThreeTierWebApp');
  const integ = integTest(app, 'ThreeTierWebApp', stack, assertions);
  // http://<ALB DNS name>: the sandbox has no certificate (it would need a domain you own).
  const site = stack.app.url;

  // The Auto Scaling group signals CloudFormation once an instance passed its own database check, but
  // the load balancer still needs two healthy checks (15 s apart) before it routes: retry for minutes.
  // '/health/database' is the construct's default databaseCheckPath, which the demo keeps.
  const health = expectWithin(
    integ.assertions.httpApiCall(`${site}/health/database`),
    ExpectedResult.objectLike({
      status: 200,
      body: Match.objectLike({ status: 'ok', instance: Match.stringLikeRegexp('^i-[0-9a-f]+$') }),
    }),
    Duration.minutes(10),
    Duration.seconds(20),
  );
  // The page only renders after INSERT INTO visits and SELECT count(*) succeeded on the database, and
  // (the demo has the cache tier) after the instance started a session in Valkey: "Your session (kept in
  // the cache" appears only when the cache answered; without it the page says sessions are unavailable.
  const page = expectWithin(
    integ.assertions.httpApiCall(`${site}/`),
    ExpectedResult.objectLike({
      status: 200,
      body: Match.stringLikeRegexp(
        'Served by i-[0-9a-f]+</h1><p>Visits stored in the database: <strong>[1-9][0-9]*</strong>.*' +
          'Your session \\(kept in the cache',
      ),
    }),
    Duration.minutes(5),
    Duration.seconds(20),
  );
  // Last: an alarm of the web app reaches its topic (alarmNotifies).
  health.next(page).next(alarmNotifies(integ, stack.app.alarms[0])[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
