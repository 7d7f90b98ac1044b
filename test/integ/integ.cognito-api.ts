// Integration test: Cognito + API Gateway (RefArch-CognitoApi, sandbox profile), against a real account.
// Proves that the API only answers callers with a valid access token from the user pool:
//   1. GET /notes without a token: 401 (API Gateway's Cognito authorizer, before any code runs);
//   2. a token from the user pool's /oauth2/token endpoint carrying notes/read and notes/write;
//   3. POST /notes with it: 201, the note back; GET /notes with it: 200 and the note from DynamoDB.
//
// Where the token comes from. The demo's SPA client signs users in through managed login with the
// authorization code grant and PKCE, which needs a browser. Tokens from InitiateAuth (what an admin
// or SRP flow returns) carry only aws.cognito.signin.user.admin and are rejected by the scope check
// (see the README). So the test adds one confidential app client with the client-credentials grant
// and the two resource-server scopes: the same pool, authorizer, scopes and handler check its token;
// its `sub` is the client id, so its notes live in their own partition. The client exists only in the
// test stack, never in the demo, and is deleted with it.
// Run: see "Run the integration test against a sandbox account" in lib/cognito-api/README.md.
import { App, Aws, Duration, Fn } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { CognitoApiStack } from '../../lib/cognito-api/cognito-api-stack';
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

/** The note the test writes and reads back. */
export const NOTE = { title: 'integ test note', body: 'written by test/integ/integ.cognito-api.ts' };

export function build(app: App): IntegCase {
  const stack = new CognitoApiStack(app, `${INTEG_STACK_PREFIX}CognitoApi`, {
    profile: 'sandbox',
    // Managed-login prefixes are unique per Region across all accounts; this one cannot clash with the
    // demo's default (refarch-notes-sandbox-<account>) in the same account.
    domainPrefix: `refarch-integ-notes-${Aws.ACCOUNT_ID}`,
  });
  const assertions = assertionStack(app, 'CognitoApi');
  const integ = integTest(app, 'CognitoApi', stack, assertions);
  const notes = stack.notesApi;

  const testClient = notes.userPool.addClient('IntegTestClient', {
    generateSecret: true,
    oAuth: {
      flows: { clientCredentials: true },
      scopes: Object.values(notes.scopeNames).map((s) => cognito.OAuthScope.custom(s)),
    },
    accessTokenValidity: Duration.minutes(15),
  });
  // The scopes must exist before a client can be given them.
  testClient.node.addDependency(notes.resourceServer);

  const notesUrl = `${notes.api.url}notes`;

  // 1. No token.
  const anonymous = expectWithin(
    integ.assertions.httpApiCall(notesUrl),
    ExpectedResult.objectLike({ status: 401 }),
    Duration.minutes(2),
  );

  // 2. A token: client id and secret by HTTP Basic authentication at the token endpoint.
  const secret = integ.assertions.awsApiCall(
    'CognitoIdentityServiceProvider',
    'describeUserPoolClient',
    { UserPoolId: notes.userPool.userPoolId, ClientId: testClient.userPoolClientId },
    ['UserPoolClient.ClientSecret'],
  );
  const credentials = Fn.base64(
    `${testClient.userPoolClientId}:${secret.getAttString('UserPoolClient.ClientSecret')}`,
  );
  const token = integ.assertions.httpApiCall(`${notes.userPoolDomain.baseUrl()}/oauth2/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${credentials}`,
    },
    // Without a scope parameter Cognito grants every scope the client is allowed.
    body: 'grant_type=client_credentials',
  });
  // A new managed-login domain can take a moment to resolve: retry until the request gets an answer.
  token.waitForAssertions({
    totalTimeout: Duration.minutes(5),
    interval: Duration.seconds(15),
    backoffRate: 1,
  });
  const accessToken = token.getAttString('body.access_token');
  const withToken = { Authorization: accessToken };

  // 3. With the token: write, then read back.
  const create = expectWithin(
    integ.assertions.httpApiCall(notesUrl, {
      method: 'POST',
      headers: { ...withToken, 'Content-Type': 'application/json' },
      body: JSON.stringify(NOTE),
    }),
    ExpectedResult.objectLike({ status: 201, body: Match.objectLike({ title: NOTE.title }) }),
    Duration.minutes(2),
  );
  const list = expectWithin(
    integ.assertions.httpApiCall(notesUrl, { headers: withToken }),
    ExpectedResult.objectLike({
      status: 200,
      body: Match.objectLike({
        notes: Match.arrayWith([Match.objectLike({ title: NOTE.title, body: NOTE.body })]),
      }),
    }),
    Duration.minutes(2),
  );

  // Last: an alarm of the API reaches its topic (alarmNotifies).
  anonymous
    .next(secret)
    .next(token)
    .next(create)
    .next(list)
    .next(alarmNotifies(integ, stack.notesApi.alarms[0])[0]);

  destroyableAssertionLogs(assertions);
  return { integ, stack, assertionStack: assertions };
}

if (require.main === module) synthIntegApp(build);
