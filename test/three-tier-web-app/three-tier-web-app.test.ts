import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnElement, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { IConstruct } from 'constructs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { bundledNodejsDirectory } from '../../lib/core/bundled-code';
import {
  CACHE_ENVIRONMENT,
  DATABASE_CHECK_METRIC,
  METRIC_NAMESPACE,
  NODEJS_MAJOR_VERSION,
  ThreeTierWebApp,
  ThreeTierWebAppProps,
  WEB_APP_ENTRY,
} from '../../lib/three-tier-web-app/three-tier-web-app';
import { ThreeTierWebAppStack } from '../../lib/three-tier-web-app/three-tier-web-app-stack';
import {
  DATABASE_CHECK_METRIC as RUNTIME_DATABASE_CHECK_METRIC,
  DEFAULT_DATABASE_CHECK_PATH,
  DEFAULT_HEALTH_PATH,
} from '../../lib/three-tier-web-app/runtime/web-app';
import { testApp } from '../support/app';
import { expectBackupPlanProtects } from '../support/backup-plan';
import { expectNagClean } from '../support/compliance';
import { describeRetriedBoot, userDataScript } from '../support/user-data';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }>;

interface Built {
  stack: Stack;
  app: ThreeTierWebApp;
  template: Template;
}

function demo(profile: 'sandbox' | 'production'): Built {
  const stack = new ThreeTierWebAppStack(testApp(), 'RefArch-ThreeTierWebApp', { profile });
  return { stack, app: stack.app, template: Template.fromStack(stack) };
}

/** The construct on its own with a certificate and a domain: HTTPS, redirect and alias record. */
function withCertificate(): Built {
  const stack = new Stack(testApp(), 'Https');
  const app = new ThreeTierWebApp(stack, 'WebApp', {
    certificate: acm.Certificate.fromCertificateArn(
      stack,
      'Certificate',
      'arn:aws:acm:us-east-1:111111111111:certificate/11111111-2222-3333-4444-555555555555',
    ),
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
      hostedZoneId: 'Z0000000000EXAMPLE',
      zoneName: 'example.com',
    }),
    domainName: 'shop.example.com',
  });
  return { stack, app, template: Template.fromStack(stack) };
}

const ref = (stack: Stack, c: IConstruct) => ({ Ref: stack.getLogicalId(c.node.defaultChild as CfnElement) });
const logicalId = (stack: Stack, c: IConstruct) =>
  stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);

/** The launch template's user data as the instance receives it (tokens as 128-character placeholders). */
function launchTemplateScript(built: Built): string {
  const lt = Object.values(built.template.findResources('AWS::EC2::LaunchTemplate'))[0];
  return userDataScript(
    (lt.Properties.LaunchTemplateData as { UserData: { 'Fn::Base64': unknown } }).UserData['Fn::Base64'],
  );
}

let sandbox: Built;
let production: Built;
let https: Built;

beforeAll(() => {
  sandbox = demo('sandbox');
  production = demo('production');
  https = withCertificate();
});

describe('demo stack', () => {
  test('sandbox snapshot', () => {
    expect(sandbox.template.toJSON()).toMatchSnapshot();
  });
  test('production snapshot', () => {
    expect(production.template.toJSON()).toMatchSnapshot();
  });
  test.each([
    ['sandbox', () => sandbox],
    ['production', () => production],
    ['with certificate', () => https],
  ])('%s: all six cdk-nag packs are clean', (_name, built) => {
    expectNagClean(built().stack);
  });
  test('outputs the site URL, the group name for Session Manager and the dashboard', () => {
    const outputs = sandbox.template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['SiteUrl', 'LoadBalancerDNS', 'AutoScalingGroupName', 'DashboardName']),
    );
    expect(JSON.stringify(outputs.LoadBalancerDNS.Value)).toContain('DNSName');
  });
});

describe('web tier', () => {
  test('the ALB is internet-facing, in the public subnets, drops invalid headers and logs to S3', () => {
    const { stack, app, template } = sandbox;
    const publicSubnets = app.vpc.publicSubnets.map((s) => ref(stack, s));
    expect(publicSubnets).toHaveLength(2);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
      Subnets: publicSubnets,
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'access_logs.s3.bucket', Value: ref(stack, app.accessLogBucket.bucket) },
        { Key: 'access_logs.s3.prefix', Value: 'load-balancer' },
      ]),
    });
  });

  test('the access-log bucket uses SSE-S3 (ALB logs cannot use KMS) and no log-delivery ACL', () => {
    const { stack, app, template } = sandbox;
    const bucket = template.toJSON().Resources[logicalId(stack, app.accessLogBucket.bucket)];
    expect(
      bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({ SSEAlgorithm: 'AES256' });
    expect(bucket.Properties.AccessControl).toBeUndefined();
  });

  test('deletion protection: off in sandbox, on in production', () => {
    const attr = (b: Built) =>
      Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: b === sandbox ? 'false' : 'true' }]);
    sandbox.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: attr(sandbox),
    });
    production.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: attr(production),
    });
  });

  test('without a certificate: one HTTP listener on 80 forwarding to the instances', () => {
    const listeners = sandbox.template.findResources('AWS::ElasticLoadBalancingV2::Listener');
    expect(Object.values(listeners)).toHaveLength(1);
    const [listener] = Object.values(listeners);
    expect(listener.Properties).toMatchObject({
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward' }],
    });
  });

  test('with a certificate: HTTPS on 443 with a TLS 1.2+ policy, and port 80 only redirects (301)', () => {
    const { template } = https;
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-PQ-2025-09',
      Certificates: [{ CertificateArn: Match.stringLikeRegexp('^arn:aws:acm:') }],
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
      ]),
    });
  });

  test('with a hosted zone: an alias A record to the ALB, and the URL uses the domain', () => {
    https.template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'shop.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0000000000EXAMPLE',
      AliasTarget: { DNSName: Match.anyValue(), HostedZoneId: Match.anyValue() },
    });
    expect(https.app.url).toBe('https://shop.example.com');
    sandbox.template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('the target group, and through it the ASG, checks liveness only; the database path is for the boot signal', () => {
    const { stack, app, template } = sandbox;
    // One target group, on the liveness path: the ASG's ELB health check reads every target group the
    // group is attached to, so a database path there would replace the fleet during a failover.
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      HealthCheckType: 'ELB',
      TargetGroupARNs: [ref(stack, app.targetGroup)],
    });
    expect(JSON.stringify(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))).not.toContain(
      '/health/database',
    );
  });

  test('custom health paths reach the target group, the app environment and the boot signal', () => {
    const stack = new Stack(testApp(), 'CustomPaths');
    new ThreeTierWebApp(stack, 'WebApp', { healthCheckPath: '/livez', databaseCheckPath: '/ops/readyz' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/livez' });
    const userData = JSON.stringify(template.findResources('AWS::EC2::LaunchTemplate'));
    expect(userData).toContain('Environment=HEALTH_PATH=/livez DATABASE_CHECK_PATH=/ops/readyz\\n');
    expect(userData).toContain('curl -fsS http://127.0.0.1:8080/ops/readyz && exit 0');
    // Only the embedded app source (its defaults and comments) still mentions /health.
    expect(userData.slice(userData.lastIndexOf('WEBAPP_SOURCE'))).not.toContain('/health');
  });

  test('target group: the app port, the health path, 30 s deregistration delay', () => {
    sandbox.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'instance',
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('WAF: production has a web ACL with AWS managed rule groups, associated and logged; sandbox has none', () => {
    const { stack, app, template } = production;
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    expect(acl).toHaveLength(1);
    const groups = (
      acl[0].Properties.Rules as { Statement: { ManagedRuleGroupStatement?: { Name: string } } }[]
    )
      .map((r) => r.Statement.ManagedRuleGroupStatement?.Name)
      .filter(Boolean);
    expect(groups).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesSQLiRuleSet',
    ]);
    expect(acl[0].Properties.Scope).toBe('REGIONAL');
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: ref(stack, app.loadBalancer),
    });
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      // aws-waf-logs-<construct path>-<stack id's UUID>: unique per deployment (lib/core/web-acl.ts).
      LogGroupName: { 'Fn::Join': ['-', [Match.stringLikeRegexp('^aws-waf-logs-'), Match.anyValue()]] },
    });
    sandbox.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});

describe('app tier', () => {
  test('a launch template, never a launch configuration', () => {
    sandbox.template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    sandbox.template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
  });

  test('launch template: AL2023 from SSM, IMDSv2, detailed monitoring, encrypted gp3, no key pair, no public IP', () => {
    const { template } = sandbox;
    const lt = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0].Properties
      .LaunchTemplateData as Record<string, unknown>;
    expect(lt).toMatchObject({
      InstanceType: 't4g.micro',
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      Monitoring: { Enabled: true },
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true } },
      ],
      IamInstanceProfile: { Arn: expect.anything() },
    });
    expect(lt.KeyName).toBeUndefined();
    expect(JSON.stringify(lt)).not.toContain('AssociatePublicIpAddress":true');
    const imageParam = (lt.ImageId as { Ref: string }).Ref;
    expect(template.toJSON().Parameters[imageParam]).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64',
    });
    expect(production.template.toJSON().Resources).toBeDefined();
  });

  test('x86 instance types get the x86_64 image', () => {
    const stack = new Stack(testApp(), 'X86');
    new ThreeTierWebApp(stack, 'WebApp', { instanceType: new ec2.InstanceType('t3.micro') });
    const params = Template.fromStack(stack).toJSON().Parameters;
    expect(JSON.stringify(params)).toContain('al2023-ami-kernel-6.1-x86_64');
  });

  test('Auto Scaling group: private subnets, ELB health checks with grace, min 2, metrics, notifications', () => {
    const { stack, app, template } = sandbox;
    const privateSubnets = app.vpc.privateSubnets.map((s) => ref(stack, s));
    expect(privateSubnets).toHaveLength(2);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      VPCZoneIdentifier: privateSubnets,
      HealthCheckType: 'ELB',
      HealthCheckGracePeriod: 300,
      MinSize: '2',
      MaxSize: '3',
      Cooldown: '300',
      MetricsCollection: [{ Granularity: '1Minute' }],
      // Scaling notifications go to the app's alarm topic, not merely to some topic.
      NotificationConfigurations: [Match.objectLike({ TopicARN: ref(stack, app.alarmTopic) })],
    });
    production.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      MaxSize: '6',
    });
  });

  test('rolling updates wait for each instance to signal; creation waits for min capacity signals', () => {
    const asg = Object.values(sandbox.template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    expect(asg.CreationPolicy).toEqual({ ResourceSignal: { Count: 2, Timeout: 'PT15M' } });
    expect(asg.UpdatePolicy).toMatchObject({
      AutoScalingRollingUpdate: {
        MaxBatchSize: 1,
        MinInstancesInService: 2,
        WaitOnResourceSignals: true,
        PauseTime: 'PT15M',
      },
    });
  });

  test('target tracking on CPU (50%) and on requests per target (1000/min)', () => {
    const { template } = sandbox;
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
        TargetValue: 50,
      },
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: 1000,
      },
    });
  });

  test('instance role: Session Manager and read access to the database secret only', () => {
    const { stack, app, template } = sandbox;
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      },
      // No AWS managed policy: AmazonSSMManagedInstanceCore would allow ssm:GetParameter(s) on "*".
      ManagedPolicyArns: Match.absent(),
    });
    // No inline policy (NIST/HIPAA/PCI IAMNoInlinePolicy): one customer-managed policy, attached from its side.
    const roleId = logicalId(stack, app.instanceRole);
    const inline = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles ?? []).includes(roleId),
    );
    expect(inline).toEqual([]);
    const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter(
      (p) =>
        JSON.stringify(p.Properties.Roles ?? []).includes(roleId) &&
        !JSON.stringify(p.Properties.PolicyDocument).includes('ssmmessages:'),
    );
    expect(managed).toHaveLength(1); // the app's policy; Session Manager's is checked on its own below
    const statements = (
      managed[0].Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      }
    ).Statement;
    expect(statements.map((s) => s.Action)).toEqual([
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      'cloudformation:SignalResource',
      'cloudwatch:PutMetricData',
      's3:GetObject', // the app bundle
      'kms:Decrypt',
    ]);
    // The app user's secret (attached to the instance), never the master secret; and the cache AUTH token
    // (merged into the same statement, see 'cache tier' below).
    expect(statements[0].Resource).toEqual(
      expect.arrayContaining([ref(stack, app.databaseUser.secret), ref(stack, app.cache!.authTokenSecret)]),
    );
    expect(statements[0].Resource).toHaveLength(2);
    expect(JSON.stringify(managed[0])).not.toContain(JSON.stringify(ref(stack, app.database.secret)));
    expect(statements[1].Resource).toEqual({ Ref: 'AWS::StackId' });
    // PutMetricData takes no resource ARN: '*', held to the app's own namespace by a condition.
    expect(statements[2]).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
    });
    for (const s of statements.filter((x) => x.Action !== 'cloudwatch:PutMetricData')) {
      expect(s.Resource).not.toBe('*');
    }
  });

  describe('user data', () => {
    let script: string;
    beforeAll(() => {
      const lt = Object.values(sandbox.template.findResources('AWS::EC2::LaunchTemplate'))[0];
      const data = (lt.Properties.LaunchTemplateData as { UserData: { 'Fn::Base64': unknown } }).UserData[
        'Fn::Base64'
      ];
      script = typeof data === 'string' ? data : JSON.stringify(data);
    });

    test('downloads the tested runtime/web-app.ts, bundled with its drivers, from the asset bucket (no npm at boot)', () => {
      const text = launchTemplateScript(sandbox);
      const download =
        /retry aws s3 cp s3:\/\/(\S+)\/([0-9a-f]{64})\.js \/opt\/webapp\/web-app\.js --region \S+\n/.exec(
          text,
        );
      expect(download).not.toBeNull();
      expect(text).not.toMatch(/\bnpm\b/);
      // The asset is the esbuild bundle of WEB_APP_ENTRY: pg and ioredis inside, nothing left to install.
      const bundle = fs.readFileSync(
        path.join(
          bundledNodejsDirectory(WEB_APP_ENTRY, `nodejs${NODEJS_MAJOR_VERSION}.x`, { bundleAwsSdk: true }),
          'index.js',
        ),
        'utf8',
      );
      const asset = sandbox.stack.node
        .findAll()
        .find((c): c is s3assets.Asset => c instanceof s3assets.Asset && c.node.id === 'WebAppBundle')!;
      expect(asset.s3ObjectKey).toBe(`${download![2]}.js`);
      expect(bundle).toContain('createWebApp');
      expect(bundle).not.toMatch(/require\(["'](pg|ioredis)["']\)/);
      // The instance may read that object and no other of the bucket.
      const policy = Object.values(sandbox.template.findResources('AWS::IAM::ManagedPolicy')).find((r) =>
        JSON.stringify(r).includes('s3:GetObject'),
      )!;
      expect(JSON.stringify(policy)).toContain(`/${download![2]}.js`);
    });

    test('installs Node.js and the CloudFormation helper from the AL2023 repositories, not npm', () => {
      expect(script).toContain(`dnf install -y aws-cfn-bootstrap nodejs${NODEJS_MAJOR_VERSION}`);
      expect(script).not.toContain('-npm');
    });

    test('signals CloudFormation for the group, after the app answers the database path', () => {
      const asgId = logicalId(sandbox.stack, sandbox.app.autoScalingGroup);
      expect(script).toContain('/opt/aws/bin/cfn-signal');
      expect(script).toContain(`--resource ${asgId}`);
      // The deep path, not the liveness path: a release that cannot reach the database rolls back.
      expect(script).toMatch(/curl -fsS http:\/\/127\.0\.0\.1:8080\/health\/database && exit 0/);
      expect(script).not.toMatch(/127\.0\.0\.1:8080\/health &&/);
      expect(script).toContain('set -euo pipefail');
    });

    test('passes both health paths and the metric target to the app (systemd Environment=)', () => {
      // `script` is JSON: each line break of the user data appears as a backslash and an n.
      expect(script).toContain('Environment=HEALTH_PATH=/health DATABASE_CHECK_PATH=/health/database\\n');
      expect(script).toContain(
        `Environment=METRIC_NAMESPACE=${METRIC_NAMESPACE} METRIC_APP=${Names.uniqueId(sandbox.app)}\\n`,
      );
      // The construct does not import the runtime file; the names it alarms on must be the ones it serves.
      expect(RUNTIME_DATABASE_CHECK_METRIC).toBe(DATABASE_CHECK_METRIC);
      expect([DEFAULT_HEALTH_PATH, DEFAULT_DATABASE_CHECK_PATH]).toEqual(['/health', '/health/database']);
    });

    test('uses IMDSv2 tokens and no stored access keys; passes the secret ARN, not the password', () => {
      expect(script).toContain('X-aws-ec2-metadata-token-ttl-seconds');
      expect(script).not.toMatch(/aws_access_key_id|AWS_SECRET_ACCESS_KEY/i);
      expect(script).toContain('DB_SECRET_ARN=');
    });

    test('stays under the 16 KB EC2 user data limit', () => {
      expect(Buffer.byteLength(script, 'utf8')).toBeLessThan(16 * 1024);
    });

    // EC2 counts the raw script, before base64; each token (Region, secret ARN, stack name) counted as
    // 128 characters, more than any of them resolves to. The construct itself refuses more than 15 KB.
    test.each([
      ['sandbox', () => sandbox],
      ['production', () => production],
    ])('the %s script, tokens resolved, stays under 16 KB with the retry helper', (_, built) => {
      const size = Buffer.byteLength(launchTemplateScript(built()), 'utf8');
      expect(size).toBeLessThan(16 * 1024);
    });

    test('downloads the RDS CA bundle over verified HTTPS (not pinned, see the README), retried', () => {
      const text = launchTemplateScript(sandbox);
      expect(text).toContain(
        'retry curl -fsS -o /opt/webapp/rds-ca.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem\n',
      );
      // curl verifies the server certificate unless told not to.
      expect(text).not.toMatch(/curl[^\n]*(\s-k\b|--insecure)/);
    });
  });

  // The health loop after `systemctl enable` polls the app 60 times, 5 s apart: its own bounded retry.
  describeRetriedBoot('web instance user data', () => launchTemplateScript(sandbox), [
    /^curl: for i in \$\(seq 1 60\); do curl -fsS http:\/\/127\.0\.0\.1:/,
  ]);
});

describe('security groups chained by reference', () => {
  function groupId(built: Built, c: IConstruct) {
    return { 'Fn::GetAtt': [built.stack.getLogicalId(c.node.defaultChild as CfnElement), 'GroupId'] };
  }
  function ingressTo(built: Built, sg: IConstruct) {
    const resources = built.template.toJSON().Resources as Resources;
    const id = groupId(built, sg);
    const standalone = Object.values(resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress')
      .filter((r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(id))
      .map((r) => r.Properties);
    const inline = (resources[built.stack.getLogicalId(sg.node.defaultChild as CfnElement)].Properties
      .SecurityGroupIngress ?? []) as Record<string, unknown>[];
    return [...standalone, ...inline];
  }

  test('internet -> ALB: only port 80 (sandbox) from anywhere', () => {
    const albSg = sandbox.app.loadBalancer.connections.securityGroups[0];
    const rules = ingressTo(sandbox, albSg);
    expect(rules).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80, IpProtocol: 'tcp' }),
    ]);
  });

  test('ALB -> app: only from the ALB group on the app port, no CIDR', () => {
    const albSg = sandbox.app.loadBalancer.connections.securityGroups[0];
    const appSg = sandbox.app.autoScalingGroup.connections.securityGroups[0];
    const rules = ingressTo(sandbox, appSg);
    expect(rules).toEqual([
      expect.objectContaining({
        SourceSecurityGroupId: groupId(sandbox, albSg),
        FromPort: 8080,
        ToPort: 8080,
      }),
    ]);
    for (const r of rules) expect(r).not.toHaveProperty('CidrIp');
  });

  test('app -> database: the app group on the database port, no CIDR (the rotation functions and the user function are the only other sources)', () => {
    const appSg = sandbox.app.autoScalingGroup.connections.securityGroups[0];
    const dbSgs = sandbox.app.database.connections.securityGroups;
    expect(dbSgs).toHaveLength(1);
    const rules = ingressTo(sandbox, dbSgs[0]);
    expect(rules).toContainEqual(
      expect.objectContaining({
        SourceSecurityGroupId: groupId(sandbox, appSg),
        FromPort: 5432,
        ToPort: 5432,
      }),
    );
    for (const r of rules) {
      expect(r).not.toHaveProperty('CidrIp');
      expect(r).toHaveProperty('SourceSecurityGroupId');
      expect(r).toMatchObject({ FromPort: 5432, ToPort: 5432 });
    }
    const user = sandbox.app.databaseUser;
    const sources = [
      appSg,
      sandbox.app.database.node.findChild('RotationSecurityGroup') as ec2.ISecurityGroup,
      user.function.connections.securityGroups[0],
      user.node.findChild('RotationSecurityGroup') as ec2.ISecurityGroup,
    ];
    expect(rules.map((r) => r.SourceSecurityGroupId).sort(byJson)).toEqual(
      sources.map((sg) => groupId(sandbox, sg)).sort(byJson),
    );
  });

  test('app -> Secrets Manager endpoint: the app group on 443, no CIDR', () => {
    const appSg = sandbox.app.autoScalingGroup.connections.securityGroups[0];
    const endpointSg = sandbox.app.secretsManagerEndpoint.connections.securityGroups[0];
    const rules = ingressTo(sandbox, endpointSg);
    expect(rules).toContainEqual(
      expect.objectContaining({ SourceSecurityGroupId: groupId(sandbox, appSg), FromPort: 443 }),
    );
    for (const r of rules) expect(r).not.toHaveProperty('CidrIp');
  });

  test('app egress: HTTPS out, the database port to the database group, 443 to the endpoint, the cache port to the cache', () => {
    const appSg = sandbox.app.autoScalingGroup.connections.securityGroups[0];
    const resources = sandbox.template.toJSON().Resources as Resources;
    const sg = resources[logicalId(sandbox.stack, appSg)].Properties;
    expect(sg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
    const egress = Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::EC2::SecurityGroupEgress' &&
          JSON.stringify(r.Properties.GroupId) === JSON.stringify(groupId(sandbox, appSg)),
      )
      .map((r) => [r.Properties.DestinationSecurityGroupId, r.Properties.FromPort]);
    expect(egress).toEqual(
      expect.arrayContaining([
        [groupId(sandbox, sandbox.app.database.connections.securityGroups[0]), 5432],
        [groupId(sandbox, sandbox.app.secretsManagerEndpoint.connections.securityGroups[0]), 443],
        [groupId(sandbox, sandbox.app.cache!.connections.securityGroups[0]), 6380],
      ]),
    );
    expect(egress).toHaveLength(3);
  });

  test('the NAT instance root volume is encrypted (the EC26 acknowledgment relies on it)', () => {
    sandbox.template.hasResourceProperties('AWS::EC2::Instance', {
      BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
    });
  });
});

describe('alarms and dashboard', () => {
  test('five alarms, each on the right resource and notifying the topic on alarm and OK', () => {
    const { stack, app, template } = sandbox;
    expect(app.alarms).toHaveLength(5);
    const alarms = template.toJSON().Resources as Resources;
    const byId = (c: IConstruct) => alarms[logicalId(stack, c)].Properties;
    const [errorRate, unhealthy, responseTime, inService, database] = app.alarms.map(byId);
    // Target group metrics carry both dimensions: this target group, and this ALB (read from its listener ARN).
    const listenerId = logicalId(stack, app.loadBalancer.listeners[0]);
    const tgDims = [
      { Name: 'LoadBalancer', Value: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
      {
        Name: 'TargetGroup',
        Value: { 'Fn::GetAtt': [logicalId(stack, app.targetGroup), 'TargetGroupFullName'] },
      },
    ];
    expect(JSON.stringify(unhealthy.Dimensions)).toContain(listenerId);
    expect(JSON.stringify(errorRate.Metrics)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, app.loadBalancer), 'LoadBalancerFullName'] }),
    );
    expect(JSON.stringify(errorRate.Metrics)).toContain('HTTPCode_ELB_5XX_Count');
    expect(JSON.stringify(errorRate.Metrics)).toContain('HTTPCode_Target_5XX_Count');
    expect(unhealthy).toMatchObject({ MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB' });
    expect(unhealthy.Dimensions).toEqual(expect.arrayContaining(tgDims));
    expect(responseTime).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
      Threshold: 1,
    });
    expect(responseTime.Dimensions).toEqual(expect.arrayContaining(tgDims));
    expect(inService).toMatchObject({
      MetricName: 'GroupInServiceInstances',
      Namespace: 'AWS/AutoScaling',
      Threshold: 2,
      ComparisonOperator: 'LessThanThreshold',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: ref(stack, app.autoScalingGroup) }],
    });
    // The deep database check feeds its own alarm (not the health checks); a failover (60-120 s, at most
    // 3 failed one-minute probes) does not fire it, 4 failed minutes of 5 do.
    expect(database).toMatchObject({
      Namespace: METRIC_NAMESPACE,
      MetricName: DATABASE_CHECK_METRIC,
      Dimensions: [{ Name: 'App', Value: Names.uniqueId(app) }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 4,
      TreatMissingData: 'notBreaching',
    });
    expect(logicalId(stack, app.alarms[4])).toMatch(/^WebAppDatabaseUnreachableAlarm/);
    for (const a of [errorRate, unhealthy, responseTime, inService, database]) {
      expect(a.AlarmActions).toEqual([ref(stack, app.alarmTopic)]);
      expect(a.OKActions).toEqual([ref(stack, app.alarmTopic)]);
    }
  });

  test('the dashboard shows the web, app and data tiers', () => {
    const { stack, app, template } = sandbox;
    const dash = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const text of [
      'HTTPCode_ELB_5XX_Count',
      'UnHealthyHostCount',
      'TargetResponseTime',
      'GroupInServiceInstances',
      DATABASE_CHECK_METRIC,
    ]) {
      expect(body).toContain(text);
    }
    expect(body).toContain('AWS/RDS');
    expect(body).toContain(logicalId(stack, app.database.instance));
  });

  test('the Auto Scaling service-linked role may use the alarm topic key (notifications)', () => {
    sandbox.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowAutoScalingNotifications',
            Condition: {
              StringEquals: Match.objectLike({
                'aws:PrincipalArn': Match.objectLike({
                  'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AWSServiceRoleForAutoScaling')])],
                }),
              }),
            },
          }),
        ]),
      },
    });
  });
});

describe('profiles', () => {
  /** The resource each private subnet's 0.0.0.0/0 route points at, with the subnet's AZ expression. */
  function privateDefaultRoutes(b: Built) {
    const resources = b.template.toJSON().Resources as Resources;
    return b.app.vpc.privateSubnets.map((subnet) => ({
      az: JSON.stringify(resources[logicalId(b.stack, subnet)].Properties.AvailabilityZone),
      route: resources[b.stack.getLogicalId(subnet.node.findChild('DefaultRoute') as CfnElement)].Properties,
    }));
  }

  test('sandbox network: exactly one NAT instance, no NAT gateway, every private subnet routed through it', () => {
    const { template } = sandbox;
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const instances = Object.entries(template.findResources('AWS::EC2::Instance'));
    expect(instances).toHaveLength(1);
    const [[natId, nat]] = instances;
    expect(nat.Properties).toMatchObject({ InstanceType: 't4g.nano', SourceDestCheck: false });
    const routes = privateDefaultRoutes(sandbox);
    expect(routes).toHaveLength(2);
    for (const { route } of routes) {
      expect(route).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', InstanceId: { Ref: natId } });
    }
    // Its group admits the VPC's traffic (without it nothing in the private subnets reaches the internet).
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Security Group for NAT instances',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', IpProtocol: '-1' })],
    });
  });

  test('production network: one NAT gateway per AZ, each private subnet routed through the one in its AZ', () => {
    const { app, template } = production;
    const resources = template.toJSON().Resources as Resources;
    template.resourceCountIs('AWS::EC2::Instance', 0);
    const gateways = Object.values(template.findResources('AWS::EC2::NatGateway'));
    expect(gateways).toHaveLength(app.vpc.availabilityZones.length);
    expect(gateways).toHaveLength(2);
    const azOfSubnet = (subnet: unknown) =>
      JSON.stringify(resources[(subnet as { Ref: string }).Ref].Properties.AvailabilityZone);
    expect(new Set(gateways.map((g) => azOfSubnet(g.Properties.SubnetId))).size).toBe(2);
    const publicSubnetIds = app.vpc.publicSubnets.map((s) => logicalId(production.stack, s));
    for (const g of gateways)
      expect(publicSubnetIds).toContain((g.Properties.SubnetId as { Ref: string }).Ref);
    for (const { az, route } of privateDefaultRoutes(production)) {
      const gateway = resources[(route.NatGatewayId as { Ref: string }).Ref];
      expect(gateway.Type).toBe('AWS::EC2::NatGateway');
      expect(azOfSubnet(gateway.Properties.SubnetId)).toBe(az);
    }
  });

  test('sandbox: the access-log bucket is destroyed with the stack, the database too', () => {
    const { stack, app, template } = sandbox;
    const resources = template.toJSON().Resources as Resources;
    expect(resources[logicalId(stack, app.accessLogBucket.bucket)].DeletionPolicy).toBe('Delete');
    expect(resources[logicalId(stack, app.database.instance)].DeletionPolicy).toBe('Delete');
  });
  test('production: the bucket is retained and the database leaves a snapshot', () => {
    const { stack, app, template } = production;
    const resources = template.toJSON().Resources as Resources;
    expect(resources[logicalId(stack, app.accessLogBucket.bucket)].DeletionPolicy).toBe('Retain');
    expect(resources[logicalId(stack, app.database.instance)].DeletionPolicy).toBe('Snapshot');
  });
  test('production: an AWS Backup plan with a vault under the storage key selects exactly the primary instance', () => {
    const { stack, app, template } = production;
    expect(app.database.backupPlan).toBeDefined();
    expectBackupPlanProtects(stack, template, app.database);
  });
  test('sandbox: no AWS Backup plan, vault or selection (a destroy leaves no recovery points)', () => {
    const { app, template } = sandbox;
    expect(app.database.backupPlan).toBeUndefined();
    for (const type of [
      'AWS::Backup::BackupPlan',
      'AWS::Backup::BackupVault',
      'AWS::Backup::BackupSelection',
    ]) {
      template.resourceCountIs(type, 0);
    }
  });
  test('defaults of the construct alone: WAF on, deletion protection on, t4g.small', () => {
    const { template } = https;
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 't4g.small' }),
    });
  });
});

describe('validation', () => {
  function build(props: ThreeTierWebAppProps, vpc?: (s: Stack) => ec2.IVpc): () => void {
    return () => {
      const stack = new Stack(testApp(), 'Bad');
      new ThreeTierWebApp(stack, 'WebApp', { ...props, vpc: vpc?.(stack) });
    };
  }
  test.each<[string, ThreeTierWebAppProps, RegExp]>([
    [
      'min above max',
      { minCapacity: 5, maxCapacity: 3 },
      /minCapacity: must not exceed maxCapacity; received minCapacity 5 and maxCapacity 3/,
    ],
    [
      'fewer than two instances',
      { minCapacity: 1 },
      /minCapacity: must be between 2 and 1000 instances; received 1 instances \(at least one instance in each of two AZs/,
    ],
    [
      'privileged port 1023',
      { appPort: 1023 },
      /ThreeTierWebApp: invalid appPort: must be between 1024 and 65535; received 1023 \(the app runs as an unprivileged user with NoNewPrivileges, which cannot bind ports below 1024/,
    ],
    ['port 80', { appPort: 80 }, /appPort: must be between 1024 and 65535; received 80 /],
    ['port 65536', { appPort: 65536 }, /appPort: must be between 1024 and 65535; received 65536 /],
    [
      'port 8080.5',
      { appPort: 8080.5 },
      /appPort: must be a whole number between 1024 and 65535; received 8080.5/,
    ],
    [
      'health path without /',
      { healthCheckPath: 'health' },
      /healthCheckPath: must start with "\/".*received 'health'/,
    ],
    [
      'health path with a query string',
      { healthCheckPath: '/health?deep=1' },
      /healthCheckPath: must start with "\/" and use only letters, digits .*received '\/health\?deep=1'/,
    ],
    [
      'database path with a shell character',
      { databaseCheckPath: '/db$(id)' },
      /databaseCheckPath: must start with "\/".*written unquoted into the boot script.*received '\/db\$\(id\)'/,
    ],
    [
      'health path is the page',
      { healthCheckPath: '/' },
      /healthCheckPath: must not be '\/': the page writes a row/,
    ],
    ['database path is the page', { databaseCheckPath: '/' }, /databaseCheckPath: must not be '\/'/],
    [
      'the same path for both checks',
      { healthCheckPath: '/status', databaseCheckPath: '/status' },
      /databaseCheckPath: must differ from healthCheckPath; both are '\/status'/,
    ],
    [
      'domain without zone',
      { domainName: 'shop.example.com' },
      /domainName: 'shop.example.com' needs hostedZone/,
    ],
    [
      'CPU target above 100',
      { targetCpuUtilizationPercent: 120 },
      /targetCpuUtilizationPercent: must be between 1 and 100/,
    ],
    [
      'SNAPSHOT on buckets',
      { removalPolicy: RemovalPolicy.SNAPSHOT },
      /removalPolicy: must be RETAIN or DESTROY; received SNAPSHOT/,
    ],
    [
      'signal timeout over 12 h',
      { signalTimeout: Duration.hours(13) },
      /signalTimeout: must be between 1 minute and 12 hours/,
    ],
  ])('%s', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('a VPC with one AZ', () => {
    expect(build({}, (s) => new ec2.Vpc(s, 'OneAz', { maxAzs: 1 }))).toThrow(
      /vpc: must span at least 2 Availability Zones; received a VPC with 1/,
    );
  });

  test.each([1024, 65535])('port %i is accepted and reaches the target group and the app', (port) => {
    const stack = new Stack(testApp(), `Port${port}`);
    new ThreeTierWebApp(stack, 'WebApp', { appPort: port });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: port });
    expect(JSON.stringify(template.findResources('AWS::EC2::LaunchTemplate'))).toContain(
      `Environment=PORT=${port} `,
    );
  });

  test('min equal to max still leaves room for the rolling update', () => {
    const stack = new Stack(testApp(), 'Fixed');
    new ThreeTierWebApp(stack, 'WebApp', { minCapacity: 2, maxCapacity: 2 });
    const asg = Object.values(
      Template.fromStack(stack).findResources('AWS::AutoScaling::AutoScalingGroup'),
    )[0];
    expect(
      (asg.UpdatePolicy as { AutoScalingRollingUpdate: { MinInstancesInService: number } })
        .AutoScalingRollingUpdate.MinInstancesInService,
    ).toBe(1);
  });
});

describe('Session Manager permissions (issue 23)', () => {
  test.each([
    ['sandbox', () => sandbox],
    ['production', () => production],
  ])(
    '%s: a customer-managed policy with the five actions Session Manager needs, and no parameter read',
    (_name, built) => {
      const { stack, app, template } = built();
      const roleId = logicalId(stack, app.instanceRole);
      const attached = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
        JSON.stringify(p.Properties.Roles ?? []).includes(roleId),
      );
      const session = attached.filter((p) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('ssmmessages:'),
      );
      expect(session).toHaveLength(1);
      expect((session[0].Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'ssm:UpdateInstanceInformation',
            'ssmmessages:CreateControlChannel',
            'ssmmessages:CreateDataChannel',
            'ssmmessages:OpenControlChannel',
            'ssmmessages:OpenDataChannel',
          ],
          Resource: '*',
        },
      ]);
      // Nothing the instances may do reads a parameter (the AMI id is resolved by CloudFormation).
      const everything = JSON.stringify(attached) + JSON.stringify(template.findResources('AWS::IAM::Role'));
      expect(everything).not.toMatch(/ssm:GetParameter|AmazonSSMManagedInstanceCore/);
    },
  );

  test('the instances boot only once the Session Manager policy is attached', () => {
    const { stack, app, template } = sandbox;
    const asg = template.toJSON().Resources[logicalId(stack, app.autoScalingGroup)] as {
      DependsOn?: string[];
    };
    const [sessionId] = Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('ssmmessages:'))
      .map(([id]) => id);
    expect(asg.DependsOn).toContain(sessionId);
  });
});

function byJson(a: unknown, b: unknown): number {
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

describe('HTTPS in production (issue 15)', () => {
  const CERTIFICATE_ARN =
    'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555';
  const listeners = (b: Built) =>
    Object.values(b.template.findResources('AWS::ElasticLoadBalancingV2::Listener'));
  const ingress = (b: Built) => {
    const groupId = logicalId(b.stack, b.app.loadBalancer.connections.securityGroups[0]);
    const resources = b.template.toJSON().Resources as Resources;
    // Inline rules, and the rules CloudFormation keeps as resources of their own (a token source).
    const separate = Object.values(resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress')
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes(groupId));
    return [
      ...((resources[groupId].Properties.SecurityGroupIngress ?? []) as Record<string, unknown>[]),
      ...separate,
    ];
  };
  let productionWithCertificate: Built;
  beforeAll(() => {
    const stack = new ThreeTierWebAppStack(testApp(), 'RefArch-ThreeTierWebApp', {
      profile: 'production',
      certificateArn: CERTIFICATE_ARN,
    });
    productionWithCertificate = { stack, app: stack.app, template: Template.fromStack(stack) };
  });

  test('production without a certificate: a CloudFront distribution redirects viewers to HTTPS, caches nothing', () => {
    const { stack, app, template } = production;
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0];
    const config = distribution.Properties.DistributionConfig as {
      DefaultCacheBehavior: unknown;
      ViewerCertificate?: unknown;
      Origins: Record<string, unknown>[];
    };
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      // Managed policies: CachingDisabled, AllViewerExceptHostHeader, SecurityHeadersPolicy.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03',
    });
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0]).toMatchObject({
      DomainName: { 'Fn::GetAtt': [logicalId(stack, app.loadBalancer), 'DNSName'] },
      CustomOriginConfig: { OriginProtocolPolicy: 'http-only' },
    });
    expect(app.url).toBe(`https://${app.distribution!.distributionDomainName}`);
    expect(JSON.stringify(template.findOutputs('SiteUrl'))).toContain(logicalId(stack, app.distribution!));
  });

  test('the secret header: a generated secret, sent by CloudFront and required by the listener, never in the template', () => {
    const { stack, app, template } = production;
    const secretId = logicalId(stack, app.originSecret!);
    const secret = template.toJSON().Resources[secretId];
    expect(secret.Properties.GenerateSecretString).toMatchObject({
      ExcludePunctuation: true,
      PasswordLength: 48,
    });
    const dynamicReference = {
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
    };
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0];
    expect(
      (distribution.Properties.DistributionConfig as { Origins: { OriginCustomHeaders: unknown }[] })
        .Origins[0].OriginCustomHeaders,
    ).toEqual([{ HeaderName: 'X-Origin-Verify', HeaderValue: dynamicReference }]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 1,
      Conditions: [
        {
          Field: 'http-header',
          HttpHeaderConfig: { HttpHeaderName: 'X-Origin-Verify', Values: [dynamicReference] },
        },
      ],
      Actions: [Match.objectLike({ Type: 'forward', TargetGroupArn: ref(stack, app.targetGroup) })],
    });
  });

  test('the load balancer answers 403 to everything else, on port 80 only', () => {
    const all = listeners(production);
    expect(all).toHaveLength(1);
    expect(all[0].Properties).toMatchObject({
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403' } }],
    });
  });

  test("the load balancer admits only CloudFront's origin-facing prefix list, looked up at deploy time", () => {
    const { stack, app, template } = production;
    const rules = ingress(production);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ FromPort: 80, ToPort: 80, IpProtocol: 'tcp' });
    expect(rules[0].CidrIp).toBeUndefined();
    const lookup = Object.entries(template.findResources('Custom::AWS'));
    expect(lookup).toHaveLength(1);
    const [lookupId, resource] = lookup[0];
    expect(rules[0].SourcePrefixListId).toEqual({ 'Fn::GetAtt': [lookupId, 'PrefixLists.0.PrefixListId'] });
    const create = JSON.stringify(resource.Properties.Create);
    expect(create).toContain('describeManagedPrefixLists');
    expect(create).toContain('com.amazonaws.global.cloudfront.origin-facing');
    expect(app.loadBalancer.connections.securityGroups).toHaveLength(1);
    expect(stack.resolve(app.distribution!.distributionDomainName)).toBeDefined();
  });

  test('with -c certificateArn: HTTPS on 443, port 80 redirects, no distribution', () => {
    const b = productionWithCertificate;
    b.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    b.template.resourceCountIs('Custom::AWS', 0);
    expect(listeners(b).map((l) => l.Properties)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Port: 443,
          Protocol: 'HTTPS',
          Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
          DefaultActions: [expect.objectContaining({ Type: 'forward' })],
        }),
        expect.objectContaining({
          Port: 80,
          DefaultActions: [expect.objectContaining({ Type: 'redirect' })],
        }),
      ]),
    );
    expect(b.app.url).toMatch(/^https:\/\//);
  });

  test('the sandbox is unchanged: plain HTTP on 80 from anywhere, no distribution, no secret', () => {
    sandbox.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    expect(sandbox.app.originSecret).toBeUndefined();
    expect(sandbox.app.distribution).toBeUndefined();
    sandbox.template.resourceCountIs('Custom::AWS', 0);
    expect(listeners(sandbox).map((l) => l.Properties)).toEqual([
      expect.objectContaining({ Port: 80, DefaultActions: [expect.objectContaining({ Type: 'forward' })] }),
    ]);
    expect(ingress(sandbox)).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80 })]);
    expect(sandbox.app.url).toMatch(/^http:\/\//);
  });

  test('production with a certificate: all six cdk-nag packs are clean', () => {
    expectNagClean(productionWithCertificate.stack);
  });

  test.each<[string, (s: Stack) => ThreeTierWebAppProps, RegExp]>([
    [
      'cloudFront with a certificate',
      (s) => ({
        cloudFront: true,
        certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERTIFICATE_ARN),
      }),
      /cloudFront: must not be true with certificate; received both/,
    ],
    [
      'cloudFront with a hosted zone',
      (s) => ({
        cloudFront: true,
        hostedZone: route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', {
          hostedZoneId: 'Z0000000000EXAMPLE',
          zoneName: 'example.com',
        }),
      }),
      /cloudFront: must not be true with hostedZone; received hostedZone 'example.com'/,
    ],
  ])('rejects %s', (_name, props, message) => {
    const stack = new Stack(testApp(), 'Bad');
    expect(() => new ThreeTierWebApp(stack, 'WebApp', props(stack))).toThrow(message);
  });
});

describe('cache tier (issue 19)', () => {
  const cacheOf = (b: Built) => b.app.cache!;
  const groupId = (b: Built) => logicalId(b.stack, cacheOf(b).replicationGroup);

  test('the demo stack has a Valkey group in the isolated subnets: a primary and a replica in another AZ', () => {
    for (const b of [sandbox, production]) {
      const group = b.template.toJSON().Resources[groupId(b)];
      expect(group.Properties).toMatchObject({
        Engine: 'valkey',
        NumCacheClusters: 2,
        MultiAZEnabled: true,
        AutomaticFailoverEnabled: true,
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
        Port: 6380,
      });
      const subnetGroup = Object.values(b.template.findResources('AWS::ElastiCache::SubnetGroup'))[0];
      const isolated = b.app.vpc.isolatedSubnets.map((s) => ({
        Ref: b.stack.getLogicalId(s.node.defaultChild as CfnElement),
      }));
      expect(subnetGroup.Properties.SubnetIds).toEqual(isolated);
    }
    expect(sandbox.template.toJSON().Resources[groupId(sandbox)].Properties.CacheNodeType).toBe(
      'cache.t4g.micro',
    );
  });

  test('sandbox: no snapshots and deleted with the stack; production: 15 days of snapshots and a final one', () => {
    const s = sandbox.template.toJSON().Resources[groupId(sandbox)];
    expect(s.DeletionPolicy).toBe('Delete');
    expect(s.Properties.SnapshotRetentionLimit).toBe(0);
    const p = production.template.toJSON().Resources[groupId(production)];
    expect(p.DeletionPolicy).toBe('Snapshot');
    expect(p.Properties.SnapshotRetentionLimit).toBe(15);
  });

  test('only the app instances reach the cache port; the instances may leave towards it', () => {
    const { stack, app, template } = sandbox;
    const cacheSg = logicalId(stack, app.cache!.connections.securityGroups[0]);
    const appSg = logicalId(stack, app.autoScalingGroup.connections.securityGroups[0]);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [cacheSg, 'GroupId'] }),
    );
    expect(ingress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        FromPort: 6380,
        ToPort: 6380,
        SourceSecurityGroupId: { 'Fn::GetAtt': [appSg, 'GroupId'] },
      }),
    ]);
    const cacheGroup = template.toJSON().Resources[cacheSg];
    expect(cacheGroup.Properties.SecurityGroupIngress).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [appSg, 'GroupId'] },
      FromPort: 6380,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [cacheSg, 'GroupId'] },
    });
  });

  test('the instances read the AUTH token (through Secrets Manager only), never the template', () => {
    const { stack, app, template } = sandbox;
    const policy = JSON.stringify(
      Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((r) =>
        JSON.stringify(r).includes('cloudformation:SignalResource'),
      ),
    );
    expect(policy).toContain(JSON.stringify({ Ref: logicalId(stack, app.cache!.authTokenSecret) }));
    const keyArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, app.cache!.encryptionKey), 'Arn'] });
    expect(policy).toContain(keyArn);
    expect(policy).toMatch(/"kms:ViaService":\{"Fn::Join":\["",\["secretsmanager\./);
    // The token goes to ElastiCache as a dynamic reference and to the app by secret ARN, never as text.
    const group = JSON.stringify(template.toJSON().Resources[groupId(sandbox)].Properties.AuthToken);
    expect(group).toMatch(/\{\{resolve:secretsmanager:/);
    expect(launchTemplateScript(sandbox)).not.toMatch(/resolve:secretsmanager|SecretString|requirepass/);
  });

  test('the app gets the endpoint, port, secret and its cache settings (names the runtime reads)', () => {
    const { stack, app } = sandbox;
    const text = JSON.stringify(
      Object.values(sandbox.template.findResources('AWS::EC2::LaunchTemplate'))[0].Properties,
    );
    const e = CACHE_ENVIRONMENT;
    expect(text).toContain(`Environment=${e.host}=`);
    expect(text).toContain(
      JSON.stringify({
        'Fn::GetAtt': [logicalId(stack, app.cache!.replicationGroup), 'PrimaryEndPoint.Address'],
      }),
    );
    expect(text).toContain(` ${e.port}=6380 ${e.secretArn}=`);
    expect(text).toContain(
      `Environment=${e.ttlSeconds}=30 ${e.sessionTtlSeconds}=1800 ${e.writeMode}=invalidate\\n`,
    );
    const custom = new Stack(testApp(), 'CustomCache');
    new ThreeTierWebApp(custom, 'WebApp', {
      cache: { ttl: Duration.minutes(2), sessionTtl: Duration.hours(8), writeMode: 'write-through' },
    });
    expect(JSON.stringify(Template.fromStack(custom).findResources('AWS::EC2::LaunchTemplate'))).toContain(
      `Environment=${e.ttlSeconds}=120 ${e.sessionTtlSeconds}=28800 ${e.writeMode}=write-through\\n`,
    );
  });

  test('the session cookie is always Secure behind CloudFront or a certificate (the app cannot tell behind CloudFront)', () => {
    const secure = (b: Built) => /SESSION_COOKIE_SECURE=(true|false)\n/.exec(launchTemplateScript(b))?.[1];
    expect(secure(sandbox)).toBe('false'); // plain HTTP: a Secure cookie would never come back
    expect(production.app.distribution).toBeDefined();
    expect(secure(production)).toBe('true');
    const stack = new Stack(testApp(), 'CertificateCache');
    const app = new ThreeTierWebApp(stack, 'WebApp', {
      certificate: acm.Certificate.fromCertificateArn(
        stack,
        'Certificate',
        'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555',
      ),
      cache: {},
    });
    expect(secure({ stack, app, template: Template.fromStack(stack) })).toBe('true');
  });

  test('without a cache: no ElastiCache resource, no cache setting, no cache permission', () => {
    expect(https.app.cache).toBeUndefined();
    expect(Object.keys(https.template.findResources('AWS::ElastiCache::ReplicationGroup'))).toEqual([]);
    expect(launchTemplateScript(https)).not.toMatch(/CACHE_/);
  });

  test('the load balancer needs no sticky sessions: sessions live in the cache', () => {
    const tg = Object.values(sandbox.template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))[0];
    const attributes = (tg.Properties.TargetGroupAttributes ?? []) as { Key: string; Value: string }[];
    expect(attributes.find((a) => a.Key === 'stickiness.enabled')?.Value ?? 'false').toBe('false');
    expect(attributes.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value).toBe('30');
  });

  test('every cache alarm notifies the app alarm topic', () => {
    const { stack, app, template } = sandbox;
    const resources = template.toJSON().Resources as Resources;
    expect(app.cache!.alarms.length).toBeGreaterThanOrEqual(5);
    for (const alarm of app.cache!.alarms) {
      const p = resources[logicalId(stack, alarm)].Properties;
      expect(p.AlarmActions).toEqual([
        { Ref: logicalId(stack, app.alarmTopic.node.defaultChild as IConstruct) },
      ]);
    }
  });

  test.each<[string, ThreeTierWebAppProps['cache'], RegExp]>([
    [
      'a TTL of 0',
      { ttl: Duration.seconds(0) },
      /ThreeTierWebApp: invalid cache\.ttl: must be between 1 second and 1 day; received 0 seconds/,
    ],
    ['a fractional TTL', { ttl: Duration.millis(1500) }, /invalid cache\.ttl: .*whole/],
    ['a TTL over a day', { ttl: Duration.days(2) }, /invalid cache\.ttl: .*1 day; received 2 days/],
    [
      'a session under a minute',
      { sessionTtl: Duration.seconds(30) },
      /invalid cache\.sessionTtl: must be between 1 minute and 7 days; received 30 seconds/,
    ],
    [
      'an unknown write mode',
      { writeMode: 'write-behind' as never },
      /invalid cache\.writeMode: must be one of 'invalidate', 'write-through'; received 'write-behind'/,
    ],
    [
      'six replicas',
      { replicas: 6 },
      /ThreeTierWebApp: invalid cache\.replicas: must be between 0 and 5 replicas; received 6/,
    ],
    [
      'Multi-AZ without a replica',
      { replicas: 0 },
      /ThreeTierWebApp: invalid cache\.multiAz: received true with replicas 0/,
    ],
    [
      'an unknown node type',
      { nodeType: 'cache.x9.huge' },
      /ThreeTierWebApp: invalid cache\.nodeType: received 'cache\.x9\.huge'/,
    ],
    [
      'overlapping windows',
      { snapshotWindow: '05:30-06:30', maintenanceWindow: 'sun:05:00-sun:06:00' },
      /ThreeTierWebApp: invalid cache\..*overlap/,
    ],
  ])('%s is refused at synth', (_name, cache, message) => {
    const stack = new Stack(testApp(), 'BadCache');
    expect(() => new ThreeTierWebApp(stack, 'WebApp', { cache })).toThrow(message);
  });
});
