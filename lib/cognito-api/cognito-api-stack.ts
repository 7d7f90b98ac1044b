import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { adoptCdkManagedFunctions } from '../core/cdk-managed-functions';
import { Profile } from '../core/profile';
import { CognitoProtectedApi, CognitoProtectedApiProps } from './cognito-protected-api';

/** Props of {@link CognitoApiStack}. */
export interface CognitoApiStackProps extends StackProps {
  /** Which profile to build: `sandbox` (cheap, leaves nothing behind) or `production`. */
  readonly profile: Profile;
  /**
   * Managed-login domain prefix (`https://<prefix>.auth.<region>.amazoncognito.com`). Prefixes are
   * unique across all AWS accounts in a Region; the reference app reads the context key
   * `cognitoDomainPrefix`, which belongs in cdk.json: it must stay the same on every deploy, since a new
   * prefix replaces the domain and changes the sign-in URL (aws/aws-cdk#10062).
   * @default 'refarch-notes-<profile>-<account id>', the same on every deploy from one account
   */
  readonly domainPrefix?: string;
}

/**
 * Demo: a per-user notes API (list, create, get, delete). Users sign in through Cognito's managed
 * login; a single-page app on localhost (or your https origin) calls the API with the access token.
 */
export class CognitoApiStack extends Stack {
  /** The protected API. */
  public readonly notesApi: CognitoProtectedApi;

  constructor(scope: Construct, id: string, props: CognitoApiStackProps) {
    super(scope, id, {
      description: `Reference architecture: Cognito-protected per-user notes API (${props.profile})`,
      ...props,
    });
    const sandbox = props.profile === 'sandbox';
    this.notesApi = new CognitoProtectedApi(this, 'NotesApi', {
      ...demoApiProps(props.profile),
      domainPrefix: props.domainPrefix ?? `refarch-notes-${props.profile}-${this.account}`,
    });
    // What the README's "try it" reads with `aws cloudformation describe-stacks`: every value a step needs,
    // the Region included (in the URLs), so no step depends on the CLI's configured Region.
    const api = this.notesApi;
    new CfnOutput(this, 'UserPoolId', {
      description: 'Create test users here (cognito-idp admin-create-user --user-pool-id)',
      value: api.userPool.userPoolId,
    });
    new CfnOutput(this, 'UserPoolClientId', {
      description: 'The public app client of the single-page app (client_id of /oauth2/authorize)',
      value: api.userPoolClient.userPoolClientId,
    });
    new CfnOutput(this, 'ManagedLoginUrl', {
      description: 'Managed login: /oauth2/authorize, /oauth2/token and /logout live under this URL',
      value: api.userPoolDomain.baseUrl(),
    });
    new CfnOutput(this, 'ApiUrl', {
      description: 'The notes API (stage v1); call <ApiUrl>notes with an access token',
      value: api.api.url,
    });
    // The CDK's own helper functions log into log groups of this stack (deleted with the sandbox).
    adoptCdkManagedFunctions(this, { removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN });
  }
}

/**
 * The demo's settings of a {@link CognitoProtectedApi} for a profile, all but the domain prefix; the S3
 * event pipeline's optional upload API (S3EventPipelineStack `uploadApi`) is built with the same ones.
 */
export function demoApiProps(profile: Profile): Omit<CognitoProtectedApiProps, 'domainPrefix'> {
  const sandbox = profile === 'sandbox';
  return {
    // A local single-page app during development; add your https origin for a hosted one.
    callbackUrls: ['http://localhost:3000/callback'],
    logoutUrls: ['http://localhost:3000/'],
    // Sandbox: a learner creates test users with the AWS CLI; production: administrators invite users.
    selfSignUpEnabled: false,
    // Sandbox: TOTP offered, not forced, so a test user can sign in without an authenticator app.
    mfa: sandbox ? cognito.Mfa.OPTIONAL : cognito.Mfa.REQUIRED,
    // Sandbox: Essentials (free tier up to 10,000 monthly active users); production: Plus threat protection.
    featurePlan: sandbox ? cognito.FeaturePlan.ESSENTIALS : cognito.FeaturePlan.PLUS,
    deletionProtection: !sandbox,
    removalPolicy: sandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    logRetention: logs.RetentionDays.ONE_YEAR,
    // Sandbox: no reservation. A new account's Lambda concurrency quota can be 10, and Lambda refuses
    // any reservation that leaves less than its minimum unreserved, so the stack would not deploy
    // there; the stage throttling below bounds the function instead. Production reserves 50.
    reserveConcurrency: !sandbox,
    reservedConcurrentExecutions: sandbox ? undefined : 50,
    throttlingRateLimit: sandbox ? 10 : 100,
    throttlingBurstLimit: sandbox ? 20 : 200,
    enableWaf: !sandbox,
    // The identity pool shows how signed-in users get temporary AWS credentials (000 L6); no guests.
    createIdentityPool: true,
    allowGuests: false,
  };
}
