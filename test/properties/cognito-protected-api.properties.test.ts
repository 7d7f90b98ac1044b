import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as fc from 'fast-check';
import {
  ApiRoute,
  ApiScope,
  CognitoProtectedApi,
  CognitoProtectedApiProps,
  NOTES_HANDLER_ENTRY,
  NOTES_ROUTES,
} from '../../lib/cognito-api/cognito-protected-api';
import {
  badDuration,
  badInt,
  durationIn,
  durationOk,
  field,
  intIn,
  intOk,
  orToken,
  Model,
  Oracle,
  recordOf,
  validOrMutated,
} from './arbitraries';
import { expectCompliantSynth, expectRejected, importedAlarmTopic } from './harness';
import { describeConstructProperty } from './received';

/** Scopes and routes, tied by "every route's scope is defined". */
interface Api {
  readonly scopes?: ApiScope[];
  readonly routes?: ApiRoute[];
}
interface Concurrency {
  readonly reserveConcurrency?: boolean;
  readonly reservedConcurrentExecutions?: number;
}
interface Throttling {
  readonly throttlingRateLimit?: number;
  readonly throttlingBurstLimit?: number;
}
interface Identity {
  readonly createIdentityPool?: boolean;
  readonly allowGuests?: boolean;
}
interface CloudWatch {
  readonly cloudWatchRole?: boolean;
  readonly cloudWatchRoleRemovalPolicy?: RemovalPolicy;
}

interface CognitoCase {
  readonly domainPrefix: string;
  readonly callbackUrls: string[];
  readonly logoutUrls?: string[];
  readonly allowedOrigins?: string[];
  readonly selfSignUpEnabled?: boolean;
  readonly mfa?: cognito.Mfa;
  readonly featurePlan?: cognito.FeaturePlan;
  readonly deletionProtection?: boolean;
  readonly resourceServerIdentifier?: string;
  readonly api: Api;
  readonly handlerEntry?: string;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  readonly concurrency: Concurrency;
  readonly throttling: Throttling;
  readonly dailyQuota?: number;
  readonly enableWaf?: boolean;
  readonly identity: Identity;
  readonly cloudWatch: CloudWatch;
  readonly removalPolicy?: RemovalPolicy;
  readonly logRetention?: logs.RetentionDays;
  readonly importedAlarmTopic: boolean;
}

const RESERVED_WORDS = ['aws', 'amazon', 'cognito'];
const PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const URLS = [
  'https://app.example.com/callback',
  'https://app.example.com',
  'https://a.example.org/cb?x=1',
  'http://localhost:3000/callback',
  'http://127.0.0.1:8080/',
];
const BAD_URLS = [
  'http://app.example.com/callback',
  'ftp://files.example.com/cb',
  'not a url',
  'https://app.example.com/#fragment',
  'javascript:alert(1)',
  `https://app.example.com/${'x'.repeat(1024)}`,
];
const ORIGINS = ['https://app.example.com', 'http://localhost:3000', 'https://b.example.org'];

const urls = (min: number) => fc.uniqueArray(fc.constantFrom(...URLS), { minLength: min, maxLength: 3 });
const badUrls = fc.oneof(
  fc.tuple(urls(0), fc.constantFrom(...BAD_URLS)).map(([good, bad]) => [...good, bad]),
  // Over the 100 URLs an app client takes.
  fc.constant(Array.from({ length: 101 }, (_, i) => `https://app${i}.example.com/cb`)),
);

const scope = (name: string): ApiScope => ({ name, description: `Scope ${name}` });
const validApi: fc.Arbitrary<Api> = fc.oneof(
  fc.constant({}),
  fc
    .tuple(
      fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9._-]{0,9}$/), { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.record({
          path: fc.constantFrom(
            '/notes',
            '/notes/{noteId}',
            '/items/{itemId}/tags',
            '/v1.0/a_b-c',
            '/x/{id}/y/{sub}',
          ),
          method: fc.constantFrom('GET', 'POST', 'put', 'PATCH', 'DELETE'),
          pick: fc.nat(),
          schema: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([names, rs]) => {
      const seen = new Set<string>();
      const routes = rs
        .filter((r) => {
          const key = `${r.method.toUpperCase()} ${r.path}`;
          return !seen.has(key) && seen.add(key);
        })
        .map((r): ApiRoute => ({
          path: r.path,
          method: r.method,
          scope: names[r.pick % names.length],
          requestSchema: r.schema ? NOTES_ROUTES[1].requestSchema : undefined,
        }));
      return { scopes: names.map(scope), routes };
    }),
);

const badApi: fc.Arbitrary<Api> = fc.oneof<fc.Arbitrary<Api>[]>(
  fc.constant<Api>({ scopes: [] }),
  fc.constant<Api>({ routes: [] }),
  fc.constant<Api>({ scopes: [scope('read'), scope('read'), scope('write')] }),
  fc
    .constantFrom('', 'has space', 'a/b', 'quo"te', 'x'.repeat(31))
    .map((n) => ({ scopes: [scope('read'), scope('write'), scope(n)] })),
  fc
    .constantFrom('', 'x'.repeat(257))
    .map((d) => ({ scopes: [scope('write'), { name: 'read', description: d }] })),
  fc.constantFrom('OPTIONS', 'HEAD', 'FOO', '').map((method) => ({ routes: [{ path: '/notes', method }] })),
  fc
    .constantFrom('notes', '/notes/', '/a b', '/{}', '/{a+}', '/', '//x')
    .map((path) => ({ routes: [{ path, method: 'GET' }] })),
  fc.constant({
    routes: [
      { path: '/notes', method: 'GET' },
      { path: '/notes', method: 'get' },
    ],
  }),
  fc.constant({ routes: [{ path: '/notes', method: 'GET', scope: 'admin' }] }),
  // Two variable path parts under the same parent.
  fc.constant({
    routes: [
      { path: '/notes/{id}', method: 'GET' },
      { path: '/notes/{noteId}', method: 'DELETE' },
    ],
  }),
);

const cognitoModel: Model<CognitoCase> = {
  domainPrefix: field(
    fc
      .oneof(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/), fc.constant('n'.repeat(63)))
      .filter((p) => !RESERVED_WORDS.some((w) => p.includes(w))),
    fc.constantFrom(
      'My-App',
      'under_score',
      '-lead',
      'trail-',
      'a'.repeat(64),
      'my-aws-app',
      'amazonia',
      'cognito1',
      '',
      'dot.ted',
    ),
    false,
  ),
  callbackUrls: field(urls(1), fc.oneof(fc.constant<string[]>([]), badUrls), false),
  logoutUrls: field(urls(0), badUrls),
  allowedOrigins: field(
    fc.uniqueArray(fc.constantFrom(...ORIGINS), { minLength: 1, maxLength: 3 }),
    fc.constantFrom(['*'], [], ['ftp://x.example.com'], ['https://app.example.com', 'http://example.com']),
  ),
  selfSignUpEnabled: field(fc.boolean()),
  mfa: field(fc.constantFrom(cognito.Mfa.OFF, cognito.Mfa.OPTIONAL, cognito.Mfa.REQUIRED)),
  featurePlan: field(
    fc.constantFrom(cognito.FeaturePlan.ESSENTIALS, cognito.FeaturePlan.PLUS),
    fc.constant(cognito.FeaturePlan.LITE),
  ),
  deletionProtection: field(fc.boolean()),
  resourceServerIdentifier: field(
    fc.constantFrom('notes', 'https://api.example.com', 'a!b#c', 'x'.repeat(256)),
    fc.constantFrom('', 'has space', 'a"b', 'a\\b', 'x'.repeat(257)),
  ),
  api: field(validApi, badApi, false),
  handlerEntry: field(fc.constant(NOTES_HANDLER_ENTRY), fc.constant('/does/not/exist/handler.ts')),
  memorySize: field(orToken(intIn(128, 10240)), badInt(128, 10240)),
  timeout: field(durationIn(1, 29), badDuration(1, 29)),
  concurrency: field<Concurrency>(
    fc.oneof(
      fc.record(
        { reserveConcurrency: fc.constant(true), reservedConcurrentExecutions: intIn(1, 1000) },
        { requiredKeys: [] },
      ),
      fc.constant({ reserveConcurrency: false }),
    ),
    fc.oneof(
      badInt(1, 1000).map((reservedConcurrentExecutions) => ({ reservedConcurrentExecutions })),
      intIn(1, 1000).map((n) => ({ reserveConcurrency: false, reservedConcurrentExecutions: n })),
    ),
    false,
  ),
  throttling: field<Throttling>(
    fc
      .tuple(intIn(1, 5000), fc.integer({ min: 0, max: 5000 }), fc.boolean(), fc.boolean())
      .map(([rate, extra, giveRate, giveBurst]) => {
        const throttlingRateLimit = giveRate ? rate : undefined;
        const burst = Math.min(5000, (throttlingRateLimit ?? 50) + extra);
        // Leave the burst out only where its default (100) is still at least the rate.
        return {
          throttlingRateLimit,
          throttlingBurstLimit: giveBurst || (throttlingRateLimit ?? 50) > 100 ? burst : undefined,
        };
      }),
    fc.oneof(
      badInt(1, 10000).map((throttlingRateLimit) => ({ throttlingRateLimit, throttlingBurstLimit: 5000 })),
      badInt(1, 5000).map((throttlingBurstLimit) => ({ throttlingBurstLimit })),
      intIn(2, 5000).map((rate) => ({ throttlingRateLimit: rate, throttlingBurstLimit: rate - 1 })),
    ),
    false,
  ),
  dailyQuota: field(orToken(intIn(1, 1_000_000_000)), badInt(1, 1_000_000_000)),
  enableWaf: field(fc.boolean()),
  identity: field<Identity>(
    fc.oneof(
      fc.record({ createIdentityPool: fc.constant(true), allowGuests: fc.boolean() }, { requiredKeys: [] }),
      fc.constant({}),
    ),
    fc.constant({ allowGuests: true }),
    false,
  ),
  cloudWatch: field<CloudWatch>(
    fc.oneof(
      fc.record(
        {
          cloudWatchRole: fc.constant(true),
          cloudWatchRoleRemovalPolicy: fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY),
        },
        { requiredKeys: [] },
      ),
      fc.constant({ cloudWatchRole: false }),
    ),
    fc.oneof(
      fc.constant({ cloudWatchRoleRemovalPolicy: RemovalPolicy.SNAPSHOT }),
      fc.constant({ cloudWatchRole: false, cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY }),
    ),
    false,
  ),
  removalPolicy: field(
    fc.constantFrom(RemovalPolicy.RETAIN, RemovalPolicy.DESTROY),
    fc.constant(RemovalPolicy.SNAPSHOT),
  ),
  logRetention: field(
    fc.constantFrom(logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR, logs.RetentionDays.TEN_YEARS),
    fc.constant(logs.RetentionDays.INFINITE),
  ),
  importedAlarmTopic: field(fc.boolean(), undefined, false),
};

const caseArb: fc.Arbitrary<CognitoCase> = validOrMutated((mutate) => recordOf(cognitoModel, mutate));

const SCOPE_NAME = /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,30}$/;
const RESOURCE_SERVER = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;
const ROUTE_PATH = /^(\/([A-Za-z0-9._-]+|\{[A-Za-z0-9._-]+\}))+$/;

/** OAuth 2.0 redirect rules Cognito applies: https, or http on localhost; no fragment; 1,024 characters. */
function urlOk(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const local = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?(\/.*)?$/.test(url);
  return (parsed.protocol === 'https:' || local) && !parsed.hash && url.length <= 1024;
}

/** Cognito, API Gateway, Lambda and WAF rules, and the construct's documented ones. */
function violations(c: CognitoCase) {
  const o = new Oracle();
  o.check(PREFIX.test(c.domainPrefix), 'domainPrefix');
  o.check(!RESERVED_WORDS.some((w) => c.domainPrefix.includes(w)), 'domainPrefix');
  o.check(c.featurePlan !== cognito.FeaturePlan.LITE, 'featurePlan');
  o.check(c.callbackUrls.length > 0, 'callbackUrls', true);
  o.check(c.callbackUrls.length <= 100, 'callbackUrls');
  o.check((c.logoutUrls ?? []).length <= 100, 'logoutUrls');
  c.callbackUrls.forEach((u, i) => o.check(urlOk(u), `callbackUrls[${i}]`));
  (c.logoutUrls ?? []).forEach((u, i) => o.check(urlOk(u), `logoutUrls[${i}]`));
  if (c.allowedOrigins) {
    o.check(c.allowedOrigins.length > 0, 'allowedOrigins');
    c.allowedOrigins.forEach((u, i) => o.check(u !== '*' && urlOk(u), `allowedOrigins[${i}]`));
  }
  o.check(c.removalPolicy !== RemovalPolicy.SNAPSHOT, 'removalPolicy');
  o.check(c.cloudWatch.cloudWatchRoleRemovalPolicy !== RemovalPolicy.SNAPSHOT, 'cloudWatchRoleRemovalPolicy');
  o.check(
    !(c.cloudWatch.cloudWatchRole === false && c.cloudWatch.cloudWatchRoleRemovalPolicy),
    'cloudWatchRoleRemovalPolicy',
    true,
  );
  o.check(c.logRetention !== logs.RetentionDays.INFINITE, 'logRetention');
  o.check(c.handlerEntry === undefined || c.handlerEntry === NOTES_HANDLER_ENTRY, 'handlerEntry');
  o.check(!(c.identity.allowGuests && !c.identity.createIdentityPool), 'allowGuests', true);
  o.check(
    c.resourceServerIdentifier === undefined || RESOURCE_SERVER.test(c.resourceServerIdentifier),
    'resourceServerIdentifier',
  );
  const scopes = c.api.scopes ?? [
    { name: 'read', description: 'Read your own items' },
    { name: 'write', description: 'Create and delete your own items' },
  ];
  const routes = c.api.routes ?? NOTES_ROUTES;
  o.check(scopes.length > 0, 'scopes', true);
  const names = new Set<string>();
  scopes.forEach((s, i) => {
    o.check(SCOPE_NAME.test(s.name) && !names.has(s.name), `scopes[${i}].name`);
    names.add(s.name);
    o.check(s.description.length >= 1 && s.description.length <= 256, `scopes[${i}].description`);
  });
  o.check(routes.length > 0, 'routes', true);
  const seen = new Set<string>();
  const variables = new Map<string, string>();
  routes.forEach((r, i) => {
    const method = r.method.toUpperCase();
    o.check(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method), `routes[${i}].method`);
    const pathOk = ROUTE_PATH.test(r.path);
    o.check(pathOk, `routes[${i}].path`);
    if (pathOk) {
      // API Gateway: one variable path part per parent resource.
      const segments = r.path.split('/').slice(1);
      segments.forEach((segment, depth) => {
        if (!segment.startsWith('{')) return;
        const parent = segments.slice(0, depth).join('/');
        o.check((variables.get(parent) ?? segment) === segment, `routes[${i}].path`);
        variables.set(parent, segment);
      });
    }
    o.check(!seen.has(`${method} ${r.path}`), `routes[${i}]`, true);
    seen.add(`${method} ${r.path}`);
    o.check(names.has(r.scope ?? (method === 'GET' ? 'read' : 'write')), `routes[${i}].scope`);
  });
  o.check(c.memorySize === undefined || intOk(c.memorySize, 128, 10240), 'memorySize');
  // API Gateway REST integrations time out after 29 s; Lambda timeouts are whole seconds.
  o.check(!c.timeout || durationOk(c.timeout, 1, 29), 'timeout');
  const reserved = c.concurrency.reservedConcurrentExecutions;
  o.check(reserved === undefined || intOk(reserved, 1, 1000), 'reservedConcurrentExecutions');
  o.check(
    !(c.concurrency.reserveConcurrency === false && reserved !== undefined),
    'reservedConcurrentExecutions',
    true,
  );
  const rate = c.throttling.throttlingRateLimit ?? 50;
  const burst = c.throttling.throttlingBurstLimit ?? 100;
  o.check(intOk(rate, 1, 10000), 'throttlingRateLimit');
  o.check(intOk(burst, 1, 5000), 'throttlingBurstLimit');
  if (intOk(rate, 1, 10000) && intOk(burst, 1, 5000)) o.check(burst >= rate, 'throttlingBurstLimit');
  o.check(c.dailyQuota === undefined || intOk(c.dailyQuota, 1, 1_000_000_000), 'dailyQuota');
  return o.violations;
}

function propsOf(stack: Stack, c: CognitoCase): CognitoProtectedApiProps {
  return {
    domainPrefix: c.domainPrefix,
    callbackUrls: c.callbackUrls,
    logoutUrls: c.logoutUrls,
    allowedOrigins: c.allowedOrigins,
    selfSignUpEnabled: c.selfSignUpEnabled,
    mfa: c.mfa,
    featurePlan: c.featurePlan,
    deletionProtection: c.deletionProtection,
    resourceServerIdentifier: c.resourceServerIdentifier,
    ...c.api,
    handlerEntry: c.handlerEntry,
    memorySize: c.memorySize,
    timeout: c.timeout,
    ...c.concurrency,
    ...c.throttling,
    dailyQuota: c.dailyQuota,
    enableWaf: c.enableWaf,
    ...c.identity,
    ...c.cloudWatch,
    removalPolicy: c.removalPolicy,
    logRetention: c.logRetention,
    alarmTopic: c.importedAlarmTopic ? importedAlarmTopic(stack) : undefined,
  };
}

function nagShape(c: CognitoCase): string {
  return JSON.stringify([
    c.selfSignUpEnabled,
    c.mfa,
    c.featurePlan,
    c.deletionProtection,
    c.api.routes?.map((r) => !!r.requestSchema),
    c.concurrency.reserveConcurrency,
    c.enableWaf,
    c.identity,
    c.cloudWatch.cloudWatchRole,
    c.removalPolicy,
    c.importedAlarmTopic,
  ]);
}

/**
 * The kinds of violation every default run rejects cases for, each at least 150 times in 5000 invalid
 * cases (FC_VERBOSE=1 prints the counts): the run fails when one never comes up. Rarer ones are left out.
 */
const REJECTS = [
  'allowedOrigins[]',
  'allowGuests',
  'callbackUrls',
  'cloudWatchRoleRemovalPolicy',
  'dailyQuota',
  'domainPrefix',
  'featurePlan',
  'handlerEntry',
  'logRetention',
  'memorySize',
  'removalPolicy',
  'reservedConcurrentExecutions',
  'resourceServerIdentifier',
  'throttlingBurstLimit',
  'timeout',
];

describeConstructProperty(
  'CognitoProtectedApi',
  caseArb,
  {
    violations,
    propsOf,
    construct: (s, p) => new CognitoProtectedApi(s, 'Api', p),
    nagShape,
  },
  { rejects: REJECTS },
);

/** Counterexamples found by the property (or while writing its generators), each a DEFECT before its fix. */
describe('CognitoProtectedApi regressions', () => {
  const REQUIRED = { domainPrefix: 'my-notes', callbackUrls: ['https://app.example.com/callback'] };
  const api = (props: Partial<CognitoProtectedApiProps>) => (stack: Stack) =>
    new CognitoProtectedApi(stack, 'Api', { ...REQUIRED, ...props });

  // Property seed -1692603426 (FC_CFN_VALIDATE=1): the resource server Name defaulted to the identifier, and
  // CloudFormation refuses 'https://api.example.com' as a Name (pattern [\w\s+=,.@-]+).
  test('a URL as resourceServerIdentifier synthesizes and passes the nag packs', () => {
    expectCompliantSynth(api({ resourceServerIdentifier: 'https://api.example.com' }));
  });

  // ValidationError "'cloudWatchRole' must be enabled for 'cloudWatchRoleRemovalPolicy' to be applied": the
  // construct always passed a removal policy, so the documented cloudWatchRole: false could never synthesize.
  test('cloudWatchRole false synthesizes and passes the nag packs', () => {
    expectCompliantSynth(api({ cloudWatchRole: false }));
  });

  // ValidationError "... does not support snapshot removal policy" (KMS key, IAM role); 15 nag findings for INFINITE.
  test('SNAPSHOT removal policies and logRetention INFINITE are rejected', () => {
    expectRejected('removalPolicy', api({ removalPolicy: RemovalPolicy.SNAPSHOT }));
    expectRejected(
      'cloudWatchRoleRemovalPolicy',
      api({ cloudWatchRoleRemovalPolicy: RemovalPolicy.SNAPSHOT }),
    );
    expectRejected('logRetention', api({ logRetention: logs.RetentionDays.INFINITE }));
  });

  // UnscopedValidationError "'1500 millis' cannot be converted into a whole number of seconds".
  test('a fraction of a second in timeout is rejected', () => {
    expectRejected('timeout', api({ timeout: Duration.millis(1500) }));
  });

  // Synthesized; LITE offers only the classic hosted UI, and this construct sets up managed login v2 and branding.
  test('featurePlan LITE is rejected', () => {
    expectRejected('featurePlan', api({ featurePlan: cognito.FeaturePlan.LITE }));
  });

  // Synthesized; CloudFormation refuses URLs over 1,024 characters, more than 100 URLs and scope descriptions
  // outside 1-256 characters.
  test('Cognito app client and resource server limits', () => {
    expectRejected('callbackUrls[0]', api({ callbackUrls: [`https://app.example.com/${'x'.repeat(1100)}`] }));
    expectRejected(
      'callbackUrls',
      api({ callbackUrls: Array.from({ length: 101 }, (_, i) => `https://app${i}.example.com/cb`) }),
    );
    expectRejected(
      'scopes[0].description',
      api({ scopes: [{ name: 'read', description: '' }, scope('write')] }),
    );
  });

  // ValidationError "Cannot find entry file at /does/not/exist/handler.ts".
  test('a handlerEntry that does not exist is rejected', () => {
    expectRejected('handlerEntry', api({ handlerEntry: '/does/not/exist/handler.ts' }));
  });

  // Synthesized; API Gateway refuses two variable path parts under one resource at deploy time.
  test('sibling path variables with different names are rejected', () => {
    const routes = [
      { path: '/notes/{id}', method: 'GET' },
      { path: '/notes/{noteId}', method: 'DELETE' },
    ];
    expectRejected('routes[1].path', api({ routes }));
  });

  // ValidationError "allowOrigins must contain at least one origin".
  test('an empty allowedOrigins list is rejected', () => {
    expectRejected('allowedOrigins', api({ allowedOrigins: [] }));
  });
});
